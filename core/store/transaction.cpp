#include "store/transaction.h"

#include "store/sql.h"

#include <QSqlDriver>

namespace teep::store {

namespace {
// How many Transactions are open on a connection, kept on its driver (one per connection).
constexpr char kDepthProperty[] = "teep.transactionDepth";

int depthOf(const QSqlDatabase &db)
{
    return db.driver() ? db.driver()->property(kDepthProperty).toInt() : 0;
}

void setDepth(const QSqlDatabase &db, int depth)
{
    if (db.driver())
        db.driver()->setProperty(kDepthProperty, depth);
}

QString savepoint(int depth)
{
    return QStringLiteral("teep_savepoint_%1").arg(depth);
}

// BEGIN, COMMIT and savepoints through run(): their statements are prepared once per connection.
bool execute(const QSqlDatabase &db, const QString &sql, QString *error)
{
    const Result<Query> done = run(db, sql);
    if (!done)
        *error = done.error().message;
    return done.ok();
}
} // namespace

Transaction::Transaction(QSqlDatabase db) : m_db(std::move(db)), m_depth(depthOf(m_db))
{
    m_begun = execute(m_db, m_depth == 0 ? QStringLiteral("BEGIN") : QStringLiteral("SAVEPOINT ") + savepoint(m_depth), &m_error);
    if (m_begun)
        setDepth(m_db, m_depth + 1);
}

Transaction::~Transaction()
{
    if (!m_begun || m_committed)
        return;
    QString ignored;
    if (m_depth == 0) {
        execute(m_db, QStringLiteral("ROLLBACK"), &ignored);
    } else {
        execute(m_db, QStringLiteral("ROLLBACK TO ") + savepoint(m_depth), &ignored);
        execute(m_db, QStringLiteral("RELEASE ") + savepoint(m_depth), &ignored);
    }
    setDepth(m_db, m_depth);
}

Status Transaction::begun() const
{
    if (m_begun)
        return {};
    return Error{QStringLiteral("store.transaction"), QStringLiteral("cannot start a transaction: %1").arg(m_error)};
}

Status Transaction::commit()
{
    if (!m_begun)
        return begun();
    if (depthOf(m_db) != m_depth + 1)
        return Error{QStringLiteral("store.transaction"), QStringLiteral("cannot commit: a transaction inside this one is still open")};
    if (!execute(m_db, m_depth == 0 ? QStringLiteral("COMMIT") : QStringLiteral("RELEASE ") + savepoint(m_depth), &m_error))
        return Error{QStringLiteral("store.transaction"), QStringLiteral("cannot commit: %1").arg(m_error)};
    m_committed = true;
    setDepth(m_db, m_depth);
    return {};
}

} // namespace teep::store
