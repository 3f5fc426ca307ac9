#include "protocol/teep/teepnegotiation.h"

namespace teep::protocol {

namespace {
QString listText(const QList<quint64> &values)
{
    QStringList parts;
    for (quint64 value : values)
        parts << QString::number(value);
    return QStringLiteral("[%1]").arg(parts.join(QStringLiteral(", ")));
}

QString suiteText(const CipherSuite &suite)
{
    QStringList parts;
    for (const CipherSuiteOperation &operation : suite)
        parts << QStringLiteral("[%1, %2]").arg(operation.coseType).arg(operation.algorithm);
    return QStringLiteral("[%1]").arg(parts.join(QStringLiteral(", ")));
}
} // namespace

Result<Selection> selectForQueryRequest(const QueryRequest &request, const AgentCapabilities &agent)
{
    Selection selection;
    const QList<quint64> offered = request.versions.isEmpty() ? QList<quint64>{0} : request.versions;
    auto version = std::find_if(offered.cbegin(), offered.cend(), [&](quint64 v) { return agent.versions.contains(v); });
    if (version == offered.cend())
        return Error{QStringLiteral("teep.unsupported-version"),
                     QStringLiteral("none of the offered versions %1 is supported (supported: %2)")
                         .arg(listText(offered), listText(agent.versions))};
    selection.version = *version;

    auto suite = std::find_if(request.cipherSuites.cbegin(), request.cipherSuites.cend(),
                              [&](const CipherSuite &s) { return !s.isEmpty() && agent.cipherSuites.contains(s); });
    if (suite == request.cipherSuites.cend()) {
        QStringList offeredSuites;
        for (const CipherSuite &s : request.cipherSuites)
            offeredSuites << (s.isEmpty() ? QStringLiteral("(no signing algorithm)") : suiteText(s));
        QStringList supported;
        for (const CipherSuite &s : agent.cipherSuites)
            supported << suiteText(s);
        return Error{QStringLiteral("teep.unsupported-cipher-suites"),
                     QStringLiteral("none of the offered cipher suites %1 is supported (supported: %2)")
                         .arg(offeredSuites.isEmpty() ? QStringLiteral("(none)") : offeredSuites.join(QStringLiteral(", ")),
                              supported.join(QStringLiteral(", ")))};
    }
    selection.cipherSuite = *suite;

    if ((request.dataItemRequested & dataitem::Attestation) && !request.freshnessMechanisms.isEmpty()) {
        const bool common = std::any_of(request.freshnessMechanisms.cbegin(), request.freshnessMechanisms.cend(),
                                        [&](quint64 m) { return agent.freshnessMechanisms.contains(m); });
        if (!common)
            return Error{QStringLiteral("teep.unsupported-freshness"),
                         QStringLiteral("none of the freshness mechanisms %1 is supported (supported: %2)")
                             .arg(listText(request.freshnessMechanisms), listText(agent.freshnessMechanisms))};
    }
    return selection;
}

} // namespace teep::protocol
