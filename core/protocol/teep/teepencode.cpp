#include "protocol/teep/teepcodec.h"

namespace teep::protocol {

namespace {

QCborArray uintArray(const QList<quint64> &values)
{
    QCborArray array;
    for (quint64 value : values)
        array.append(qint64(value));
    return array;
}

QCborArray bytesArray(const QList<QByteArray> &values)
{
    QCborArray array;
    for (const QByteArray &value : values)
        array.append(value);
    return array;
}

QCborArray suitesArray(const QList<CipherSuite> &suites)
{
    QCborArray array;
    for (const CipherSuite &suite : suites) {
        QCborArray operations;
        for (const CipherSuiteOperation &operation : suite)
            operations.append(QCborArray{operation.coseType, operation.algorithm});
        array.append(operations);
    }
    return array;
}

QCborArray profilesArray(const QList<SuitCoseProfile> &profiles)
{
    QCborArray array;
    for (const SuitCoseProfile &profile : profiles) {
        QCborArray algorithms;
        for (qint64 alg : profile)
            algorithms.append(alg);
        array.append(algorithms);
    }
    return array;
}

QCborArray valuesArray(const QList<QCborValue> &values)
{
    QCborArray array;
    for (const QCborValue &value : values)
        array.append(value);
    return array;
}

// Option setters that leave absent fields out.
void putBytes(QCborMap &map, qint64 label, const QByteArray &value)
{
    if (!value.isEmpty())
        map.insert(label, value);
}
void putText(QCborMap &map, qint64 label, const QString &value)
{
    if (!value.isEmpty())
        map.insert(label, value);
}
void putArray(QCborMap &map, qint64 label, const QCborArray &value)
{
    if (!value.isEmpty())
        map.insert(label, value);
}

QCborValue encode(const QueryRequest &m)
{
    QCborMap options;
    putBytes(options, label::Token, m.token);
    putArray(options, label::SupportedFreshnessMechanisms, uintArray(m.freshnessMechanisms));
    putBytes(options, label::Challenge, m.challenge);
    putArray(options, label::Versions, uintArray(m.versions));
    putText(options, label::AttestationPayloadFormat, m.attestationPayloadFormat);
    if (m.attestationPayload)
        options.insert(label::AttestationPayload, *m.attestationPayload);
    putArray(options, label::SuitReports, bytesArray(m.suitReports));
    return QCborArray{int(MessageType::QueryRequest), options, suitesArray(m.cipherSuites), profilesArray(m.suitCoseProfiles),
                      qint64(m.dataItemRequested)};
}

QCborValue encode(const QueryResponse &m)
{
    QCborMap options;
    putBytes(options, label::Token, m.token);
    if (m.selectedCipherSuite)
        options.insert(label::SelectedTeepCipherSuite, suitesArray({*m.selectedCipherSuite}).at(0));
    if (m.selectedVersion)
        options.insert(label::SelectedVersion, qint64(*m.selectedVersion));
    putText(options, label::AttestationPayloadFormat, m.attestationPayloadFormat);
    if (m.attestationPayload)
        options.insert(label::AttestationPayload, *m.attestationPayload);
    putArray(options, label::SuitReports, bytesArray(m.suitReports));
    if (m.tcList)
        options.insert(label::TcList, *m.tcList);
    QCborArray requested;
    for (const RequestedTc &tc : m.requestedTcList) {
        QCborMap info{{label::ComponentId, tc.componentId}};
        if (tc.manifestSequenceNumber)
            info.insert(label::TcManifestSequenceNumber, qint64(*tc.manifestSequenceNumber));
        if (tc.haveBinary)
            info.insert(label::HaveBinary, *tc.haveBinary);
        requested.append(info);
    }
    putArray(options, label::RequestedTcList, requested);
    putArray(options, label::UnneededManifestList, valuesArray(m.unneededManifestList));
    putArray(options, label::ExtList, uintArray(m.extList));
    return QCborArray{int(MessageType::QueryResponse), options};
}

QCborValue encode(const Update &m)
{
    QCborMap options;
    putBytes(options, label::Token, m.token);
    putArray(options, label::UnneededManifestList, valuesArray(m.unneededManifestList));
    putArray(options, label::ManifestList, bytesArray(m.manifestList));
    putText(options, label::AttestationPayloadFormat, m.attestationPayloadFormat);
    if (m.attestationPayload)
        options.insert(label::AttestationPayload, *m.attestationPayload);
    if (m.errCode)
        options.insert(label::ErrCode, qint64(*m.errCode));
    putText(options, label::ErrMsg, m.errMsg);
    putText(options, label::ErrLang, m.errLang);
    return QCborArray{int(MessageType::Update), options};
}

QCborValue encode(const Success &m)
{
    QCborMap options;
    putBytes(options, label::Token, m.token);
    putText(options, label::Msg, m.msg);
    putArray(options, label::SuitReports, bytesArray(m.suitReports));
    return QCborArray{int(MessageType::Success), options};
}

QCborValue encode(const ErrorMessage &m)
{
    QCborMap options;
    putBytes(options, label::Token, m.token);
    putText(options, label::ErrMsg, m.errMsg);
    putText(options, label::ErrLang, m.errLang);
    putArray(options, label::SupportedTeepCipherSuites, suitesArray(m.cipherSuites));
    putArray(options, label::SupportedFreshnessMechanisms, uintArray(m.freshnessMechanisms));
    putArray(options, label::SupportedSuitCoseProfiles, profilesArray(m.suitCoseProfiles));
    putBytes(options, label::Challenge, m.challenge);
    putArray(options, label::Versions, uintArray(m.versions));
    putArray(options, label::SuitReports, bytesArray(m.suitReports));
    return QCborArray{int(MessageType::Error), options, qint64(m.errCode)};
}

} // namespace

QByteArray encodeMessage(const Message &message)
{
    return std::visit([](const auto &m) { return encode(m).toCbor(); }, message);
}

} // namespace teep::protocol
