#pragma once

#include "common/error.h"

#include <QSqlDatabase>
#include <QSqlError>

namespace teep::store {

// One database transaction: begun on construction, rolled back on destruction unless commit()
// succeeded. Every state change of the console goes through one, together with its audit entry.
// Inside another Transaction on the same connection it is a savepoint: its changes are undone
// alone if it fails, and become durable with the outermost commit (the TAM makes one HTTP round
// trip one transaction this way).
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    Status begun() const;
    Status commit();

private:
    QSqlDatabase m_db;
    int m_depth = 0; // 0: outermost; n: savepoint n
    bool m_begun = false;
    bool m_committed = false;
    QString m_error;
};

} // namespace teep::store
