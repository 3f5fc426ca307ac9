// teepctl attestation collateral import|list|remove: Intel's SGX collateral, kept for sessions.
#include "commands.h"

#include "attestation/sgxcollateral.h"
#include "store/database.h"
#include "tam/sgxcollateralstore.h"

namespace teepctl {

namespace {

nlohmann::ordered_json rowJson(const teep::tam::SgxCollateralRow &row)
{
    return {{"id", row.id},         {"kind", row.kind.toStdString()},           {"subject", row.subject.toStdString()},
            {"source", row.source.toStdString()}, {"issued", row.issued.toStdString()}, {"next_update", row.nextUpdate.toStdString()},
            {"imported_at", row.importedAt.toStdString()}, {"imported_by", row.importedBy.toStdString()}};
}

} // namespace

int runCollateral(Context &context, const QStringList &words)
{
    const QString action = words.value(1);
    auto opened = context.openDatabase();
    if (!opened)
        return context.fail(opened.error());
    teep::tam::SgxCollateralStore store(opened.value()->connection(), context.clock, context.actor);
    if (action == QLatin1String("import") && words.size() >= 3) {
        QList<std::pair<QString, QByteArray>> files;
        for (const QString &path : words.mid(2)) {
            const auto read = teep::attestation::sgx::readCollateralFiles(path);
            if (!read)
                return context.fail(read.error());
            files << read.value();
        }
        const auto imported = store.importFiles(files);
        if (!imported)
            return context.fail(imported.error());
        if (context.json) {
            nlohmann::ordered_json added = nlohmann::ordered_json::array();
            for (const teep::tam::SgxCollateralRow &row : imported.value().added)
                added.push_back(rowJson(row));
            nlohmann::ordered_json unchanged = nlohmann::ordered_json::array();
            for (const QString &source : imported.value().unchanged)
                unchanged.push_back(source.toStdString());
            nlohmann::ordered_json replaced = nlohmann::ordered_json::array();
            for (const QString &source : imported.value().replaced)
                replaced.push_back(source.toStdString());
            context.print({{"added", added}, {"unchanged", unchanged}, {"replaced", replaced}});
            return kExitOk;
        }
        for (const teep::tam::SgxCollateralRow &row : imported.value().added)
            context.out << "imported " << row.kind << " " << row.subject << " from " << row.source
                        << (row.nextUpdate.isEmpty() ? QString() : QStringLiteral(", next update %1").arg(row.nextUpdate)) << '\n';
        for (const QString &source : imported.value().unchanged)
            context.out << "already kept: " << source << '\n';
        for (const QString &source : imported.value().replaced)
            context.out << "replaced (older): " << source << '\n';
        return kExitOk;
    }
    if (action == QLatin1String("list") && words.size() == 2) {
        const auto rows = store.rows();
        if (!rows)
            return context.fail(rows.error());
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const teep::tam::SgxCollateralRow &row : rows.value()) {
            list.push_back(rowJson(row));
            if (!context.json)
                context.out << row.id << "  " << row.kind << "  " << row.subject << "  " << row.source
                            << (row.nextUpdate.isEmpty() ? QString() : QStringLiteral("  next update %1").arg(row.nextUpdate)) << '\n';
        }
        if (context.json)
            context.print(list);
        else if (rows.value().isEmpty())
            context.out << "no SGX collateral: SGX quotes are appraised at most as a warning (teepctl attestation collateral import DIR)\n";
        return kExitOk;
    }
    if (action == QLatin1String("remove") && words.size() == 3) {
        bool numeric = false;
        const qint64 id = words[2].toLongLong(&numeric);
        if (!numeric)
            return context.usage(QStringLiteral("collateral remove takes an id (teepctl attestation collateral list)"));
        if (const teep::Status removed = store.remove(id); !removed)
            return context.fail(removed.error());
        return kExitOk;
    }
    return context.usage(QStringLiteral("usage: teepctl attestation collateral import DIR|FILE... | list | remove ID"));
}

} // namespace teepctl
