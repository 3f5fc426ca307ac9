#include "tam/attestationchecks.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace teep::tam {

namespace {
constexpr int kMaxChecks = 1000;           // a result has a few dozen
constexpr qsizetype kMaxStoredBytes = 1 << 20;

QList<attestation::Check> unreadable(const QString &why)
{
    return {attestation::Check{QStringLiteral("stored result"), attestation::Outcome::Fail,
                               QStringLiteral("the recorded checks cannot be read (%1)").arg(why)}};
}
} // namespace

QString encodeChecks(const QList<attestation::Check> &checks)
{
    nlohmann::json array = nlohmann::json::array();
    for (const attestation::Check &check : checks)
        array.push_back({{"name", check.name.toStdString()},
                         {"outcome", attestation::outcomeName(check.outcome).toStdString()},
                         {"detail", check.detail.toStdString()}});
    return QString::fromStdString(array.dump());
}

QList<attestation::Check> decodeChecks(const QString &stored)
{
    if (stored.size() > kMaxStoredBytes)
        return unreadable(QStringLiteral("over %1 bytes").arg(kMaxStoredBytes));
    const nlohmann::json array = nlohmann::json::parse(stored.toStdString(), nullptr, false);
    if (!array.is_array())
        return unreadable(QStringLiteral("not a JSON array"));
    if (array.size() > kMaxChecks)
        return unreadable(QStringLiteral("over %1 checks").arg(kMaxChecks));
    QList<attestation::Check> checks;
    for (const nlohmann::json &item : array) {
        const auto text = [&item](const char *member) -> std::optional<QString> {
            const auto it = item.find(member);
            if (it == item.end() || !it->is_string())
                return std::nullopt;
            return QString::fromStdString(it->get<std::string>());
        };
        const std::optional<QString> name = item.is_object() ? text("name") : std::nullopt;
        const std::optional<QString> outcome = item.is_object() ? text("outcome") : std::nullopt;
        const std::optional<QString> detail = item.is_object() ? text("detail") : std::nullopt;
        const std::optional<attestation::Outcome> parsed = outcome ? attestation::outcomeFromName(*outcome) : std::nullopt;
        if (!name || !detail || !parsed)
            return unreadable(QStringLiteral("check %1 is not {name, outcome, detail}").arg(checks.size() + 1));
        checks << attestation::Check{*name, *parsed, *detail};
    }
    return checks;
}

QString failedChecks(const QList<attestation::Check> &checks)
{
    QStringList failures;
    for (const attestation::Check &check : checks) {
        if (check.outcome == attestation::Outcome::Fail)
            failures << QStringLiteral("%1: %2").arg(check.name, check.detail);
    }
    return failures.join(QStringLiteral("; "));
}

bool anyWarned(const QList<attestation::Check> &checks)
{
    return std::any_of(checks.cbegin(), checks.cend(), [](const attestation::Check &c) { return c.outcome == attestation::Outcome::Warn; });
}

} // namespace teep::tam
