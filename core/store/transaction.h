#pragma once

#include "common/error.h"

#include <QSqlDatabase>
#include <QSqlError>

namespace teep::store {

// One database transaction: begun on construction, rolled back on destruction unless commit()
// succeeded. Every state change of the console goes through one, together with its audit entry.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db) : m_db(std::move(db)), m_begun(m_db.transaction()) {}
    ~Transaction()
    {
        if (m_begun && !m_committed)
            m_db.rollback();
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    Status begun() const
    {
        if (m_begun)
            return {};
        return Error{QStringLiteral("store.transaction"),
                     QStringLiteral("cannot start a transaction: %1").arg(m_db.lastError().text())};
    }
    Status commit()
    {
        if (m_begun && m_db.commit()) {
            m_committed = true;
            return {};
        }
        return Error{QStringLiteral("store.transaction"),
                     QStringLiteral("cannot commit: %1").arg(m_db.lastError().text())};
    }

private:
    QSqlDatabase m_db;
    bool m_begun = false;
    bool m_committed = false;
};

} // namespace teep::store
