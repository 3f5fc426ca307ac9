#include "tam/tamkeys.h"

#include "store/sql.h"

#include <QHash>

namespace teep::tam {

namespace {

QString identityState(const QString &state, bool active, bool overlap)
{
    if (active)
        return QStringLiteral("active");
    if (state == QLatin1String("ready") && overlap)
        return QStringLiteral("overlap");
    return state;
}

} // namespace

Result<QList<TamKey>> tamKeys(QSqlDatabase db)
{
    auto rows = store::run(db, QStringLiteral("SELECT t.name, t.state, t.is_active, t.overlap_until IS NOT NULL, r.role, k.label, k.algorithm, "
                                              "k.protection, k.token_uri FROM tam_identities t "
                                              "JOIN (SELECT id, key_id AS key_ref, 'signing' AS role FROM tam_identities UNION ALL "
                                              "SELECT id, root_key_id, 'root CA' FROM tam_identities WHERE root_key_id IS NOT NULL) r ON r.id = t.id "
                                              "JOIN private_keys k ON k.id = r.key_ref ORDER BY t.id, r.role DESC"));
    if (!rows)
        return rows.error();
    QList<TamKey> keys;
    QHash<QString, crypto::TokenDescription> tokens; // one look per token URI
    while (rows.value().next()) {
        TamKey key;
        key.identity = rows.value().value(0).toString();
        key.identityState = identityState(rows.value().value(1).toString(), rows.value().value(2).toInt() == 1, rows.value().value(3).toInt() == 1);
        key.role = rows.value().value(4).toString();
        key.label = rows.value().value(5).toString();
        key.algorithm = rows.value().value(6).toString();
        const QString uri = rows.value().value(8).toString();
        if (!uri.isEmpty()) {
            key.storage = QStringLiteral("pkcs11 token");
            key.tokenUri = uri.section(QLatin1Char('?'), 0, 0);
            if (!tokens.contains(uri))
                tokens.insert(uri, crypto::describeToken(uri));
            key.token = tokens.value(uri);
        } else {
            key.storage = rows.value().value(7).toString() == QLatin1String("demo-unprotected") ? QStringLiteral("database (demo, NOT ENCRYPTED)")
                                                                                                : QStringLiteral("database (passphrase)");
        }
        keys << key;
    }
    return keys;
}

Result<QStringList> tokenKeysInUse(QSqlDatabase db)
{
    return store::column(db, QStringLiteral("SELECT DISTINCT k.token_uri FROM private_keys k JOIN tam_identities t ON k.id = t.key_id "
                                            "OR k.id = t.root_key_id WHERE t.state <> 'retired' AND k.token_uri IS NOT NULL "
                                            "AND k.token_uri <> '' ORDER BY k.token_uri"));
}

} // namespace teep::tam
