// Decisions where the draft is unclear (editor's copy ~ -26):
// - token and challenge: the 4.2 text on which of them a QueryRequest carries is garbled and the
//   draft's own example sends a token with the attestation bit set, so any combination is
//   accepted; our TAM always sends a token, and a challenge whenever it asks for attestation.
// - Unknown option labels are extensions: ignored and reported, never an error. Labels that
//   belong to another message type are an error.
// - Reserved err-code values (0, 11-16, 18-23) are refused; values above 23 are "unknown errors",
//   tolerated (a later draft may define them).
#include "cbor/strictcbor.h"
#include "protocol/teep/teepcodec.h"

#include <QSet>

namespace teep::protocol {

namespace {

// A challenge is at most 64 bytes: RFC 9711's eat_nonce takes 8 to 64, and the verifiers that
// check it refuse more, so a longer one could never be answered with evidence.
constexpr int kMaxChallengeBytes = 64;

Error malformed(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("teep.malformed"), message, where};
}

QString field(qint64 label)
{
    return QStringLiteral("%1 (label %2)").arg(labelName(label)).arg(label);
}

bool isUint(const QCborValue &value)
{
    return value.isInteger() && value.toInteger() >= 0;
}

// Reads the options map of one message, remembering which labels were consumed.
class Options
{
public:
    Options(QCborMap map, const DecodeProfile &profile, DecodedMessage &out, QString messageName)
        : m_map(std::move(map)), m_profile(profile), m_out(out), m_name(std::move(messageName))
    {
    }

    bool has(qint64 label) const { return m_map.contains(label); }

    Result<QByteArray> bytes(qint64 label, qsizetype min, qsizetype max)
    {
        m_used.insert(label);
        const QCborValue value = m_map.value(label);
        if (value.isUndefined())
            return QByteArray();
        if (!value.isByteArray())
            return malformed(QStringLiteral("must be a byte string"), field(label));
        const QByteArray bytes = value.toByteArray();
        if (bytes.size() < min || bytes.size() > max)
            return malformed(QStringLiteral("is %1 bytes; %2 to %3 are allowed").arg(bytes.size()).arg(min).arg(max), field(label));
        return bytes;
    }

    Result<QByteArray> token()
    {
        const QCborValue value = m_map.value(label::Token);
        if (value.isInteger() && m_profile.compatibility) {
            m_used.insert(label::Token);
            m_out.compatibilityNotes << QStringLiteral("token is an integer, as in drafts before -13");
            return QCborValue(value.toInteger()).toCbor();
        }
        return bytes(label::Token, 8, 64);
    }

    Result<QString> text(qint64 label, qsizetype min, qsizetype max)
    {
        m_used.insert(label);
        const QCborValue value = m_map.value(label);
        if (value.isUndefined())
            return QString();
        if (!value.isString())
            return malformed(QStringLiteral("must be a text string"), field(label));
        const QString text = value.toString();
        if (text.size() < min || text.size() > max)
            return malformed(QStringLiteral("has %1 characters; %2 to %3 are allowed").arg(text.size()).arg(min).arg(max), field(label));
        return text;
    }

    Result<std::optional<quint64>> uinteger(qint64 label)
    {
        m_used.insert(label);
        const QCborValue value = m_map.value(label);
        if (value.isUndefined())
            return std::optional<quint64>();
        if (!isUint(value))
            return malformed(QStringLiteral("must be an unsigned integer"), field(label));
        return std::optional<quint64>(quint64(value.toInteger()));
    }

    Result<QList<quint64>> uintList(qint64 label)
    {
        Result<QCborArray> array = nonEmptyArray(label);
        if (!array)
            return array.error();
        QList<quint64> values;
        for (const QCborValue &item : array.value()) {
            if (!isUint(item))
                return malformed(QStringLiteral("must hold unsigned integers"), field(label));
            values << quint64(item.toInteger());
        }
        return values;
    }

    Result<QList<QByteArray>> bytesList(qint64 label)
    {
        Result<QCborArray> array = nonEmptyArray(label);
        if (!array)
            return array.error();
        QList<QByteArray> values;
        for (const QCborValue &item : array.value()) {
            if (!item.isByteArray())
                return malformed(QStringLiteral("must hold byte strings"), field(label));
            values << item.toByteArray();
        }
        return values;
    }

    Result<QCborArray> nonEmptyArray(qint64 label, bool compatEmptyOk = false)
    {
        m_used.insert(label);
        const QCborValue value = m_map.value(label);
        if (value.isUndefined())
            return QCborArray();
        if (!value.isArray())
            return malformed(QStringLiteral("must be an array"), field(label));
        if (value.toArray().isEmpty()) {
            if (!(compatEmptyOk && m_profile.compatibility))
                return malformed(QStringLiteral("must not be empty"), field(label));
            m_out.compatibilityNotes << QStringLiteral("%1 is empty, which the draft does not allow").arg(field(label));
        }
        return value.toArray();
    }

    Result<QList<QCborValue>> componentIds(qint64 label)
    {
        Result<QCborArray> array = nonEmptyArray(label);
        if (!array)
            return array.error();
        QList<QCborValue> ids;
        for (const QCborValue &id : array.value()) {
            if (const Status valid = checkComponentId(id, label); !valid)
                return valid.error();
            ids << id;
        }
        return ids;
    }

    static Status checkComponentId(const QCborValue &id, qint64 label)
    {
        if (!id.isArray() || id.toArray().isEmpty())
            return malformed(QStringLiteral("a SUIT_Component_Identifier is a non-empty array of byte strings"), field(label));
        for (const QCborValue &part : id.toArray()) {
            if (!part.isByteArray())
                return malformed(QStringLiteral("a SUIT_Component_Identifier is a non-empty array of byte strings"), field(label));
        }
        return {};
    }

    // Everything not consumed: labels of other messages are errors; unknown ones are extensions.
    Status finish(const QList<qint64> &otherMessagesLabels)
    {
        for (auto it = m_map.constBegin(); it != m_map.constEnd(); ++it) {
            if (!isUint(it.key()))
                return malformed(QStringLiteral("option labels are unsigned integers; found %1").arg(it.key().toDiagnosticNotation()),
                                 m_name);
            const qint64 label = it.key().toInteger();
            if (m_used.contains(label))
                continue;
            if (label == label::SelectedTeepCipherSuite && m_profile.compatibility) {
                m_out.compatibilityNotes << QStringLiteral("%1 is present and ignored (removed from the draft)").arg(field(label));
                continue;
            }
            if (label == 0 || label == label::SelectedTeepCipherSuite || otherMessagesLabels.contains(label))
                return malformed(QStringLiteral("does not belong in a %1").arg(m_name), field(label));
            m_out.extensionLabels << label;
        }
        return {};
    }

private:
    QCborMap m_map;
    const DecodeProfile &m_profile;
    DecodedMessage &m_out;
    QString m_name;
    QSet<qint64> m_used;
};

const QList<qint64> kAllLabels = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};

#define TRY_ASSIGN(target, expression)                                                                                 \
    do {                                                                                                               \
        auto result_ = (expression);                                                                                   \
        if (!result_)                                                                                                  \
            return result_.error();                                                                                    \
        target = result_.value();                                                                                      \
    } while (false)

Result<QList<CipherSuite>> cipherSuites(const QCborValue &value, const QString &where)
{
    if (!value.isArray() || value.toArray().isEmpty())
        return malformed(QStringLiteral("must be a non-empty array of cipher suites"), where);
    QList<CipherSuite> suites;
    for (const QCborValue &suiteValue : value.toArray()) {
        if (!suiteValue.isArray() || suiteValue.toArray().isEmpty())
            return malformed(QStringLiteral("a cipher suite is a non-empty array of [cose-type, alg]"), where);
        CipherSuite suite;
        for (const QCborValue &operation : suiteValue.toArray()) {
            const QCborArray pair = operation.toArray();
            if (!operation.isArray() || pair.size() != 2 || !isUint(pair[0]) || !pair[1].isInteger())
                return malformed(QStringLiteral("a cipher-suite operation is [cose-type, alg]"), where);
            suite << CipherSuiteOperation{pair[0].toInteger(), pair[1].toInteger()};
        }
        suites << suite;
    }
    return suites;
}

// Draft -12 era suites: [sign-alg / nil, encrypt-alg / nil, mac-alg / nil] under label 1.
Result<QList<CipherSuite>> legacyCipherSuites(const QCborValue &value, DecodedMessage &out)
{
    if (!value.isArray() || value.toArray().isEmpty())
        return malformed(QStringLiteral("must be a non-empty array"), field(label::SupportedTeepCipherSuites));
    QList<CipherSuite> suites;
    for (const QCborValue &entry : value.toArray()) {
        const QCborArray triple = entry.toArray();
        if (!entry.isArray() || triple.size() != 3)
            return malformed(QStringLiteral("a legacy cipher suite is [sign, encrypt, mac]"), field(label::SupportedTeepCipherSuites));
        // Only the signing part has a counterpart today; a suite without one offers nothing usable.
        suites << (triple[0].isInteger() ? CipherSuite{{18, triple[0].toInteger()}} : CipherSuite{});
    }
    out.compatibilityNotes << QStringLiteral("QueryRequest in the draft -12 form: cipher suites under label 1, no positional lists");
    return suites;
}

Result<QList<SuitCoseProfile>> suitProfiles(const QCborValue &value, const QString &where)
{
    if (!value.isArray() || value.toArray().isEmpty())
        return malformed(QStringLiteral("must be a non-empty array of SUIT COSE profiles"), where);
    QList<SuitCoseProfile> profiles;
    for (const QCborValue &entry : value.toArray()) {
        if (!entry.isArray() || entry.toArray().isEmpty())
            return malformed(QStringLiteral("a SUIT COSE profile is an array of algorithm ids"), where);
        SuitCoseProfile profile;
        for (const QCborValue &alg : entry.toArray()) {
            if (!alg.isInteger())
                return malformed(QStringLiteral("a SUIT COSE profile holds integers"), where);
            profile << alg.toInteger();
        }
        profiles << profile;
    }
    return profiles;
}

Result<Message> decodeQueryRequest(const QCborArray &array, Options &options, const DecodeProfile &profile, DecodedMessage &out)
{
    QueryRequest request;
    TRY_ASSIGN(request.token, options.token());
    TRY_ASSIGN(request.challenge, options.bytes(label::Challenge, 8, kMaxChallengeBytes));
    TRY_ASSIGN(request.versions, options.uintList(label::Versions));
    TRY_ASSIGN(request.freshnessMechanisms, options.uintList(label::SupportedFreshnessMechanisms));
    TRY_ASSIGN(request.attestationPayloadFormat, options.text(label::AttestationPayloadFormat, 1, 256));
    if (options.has(label::AttestationPayload))
        TRY_ASSIGN(request.attestationPayload, options.bytes(label::AttestationPayload, 0, 1 << 20));
    TRY_ASSIGN(request.suitReports, options.bytesList(label::SuitReports));
    qsizetype bitsIndex = 4;
    if (array.size() == 5) {
        TRY_ASSIGN(request.cipherSuites, cipherSuites(array[2], QStringLiteral("supported-teep-cipher-suites")));
        TRY_ASSIGN(request.suitCoseProfiles, suitProfiles(array[3], QStringLiteral("supported-suit-cose-profiles")));
    } else if (array.size() == 3 && profile.compatibility && options.has(label::SupportedTeepCipherSuites)) {
        QCborValue legacy;
        TRY_ASSIGN(legacy, options.nonEmptyArray(label::SupportedTeepCipherSuites));
        TRY_ASSIGN(request.cipherSuites, legacyCipherSuites(legacy, out));
        bitsIndex = 2;
    } else if (array.size() == 3 && profile.compatibility) {
        out.compatibilityNotes << QStringLiteral("QueryRequest in the draft -12 form without cipher suites");
        bitsIndex = 2;
    } else {
        return malformed(QStringLiteral("a QueryRequest is [1, options, cipher-suites, suit-cose-profiles, data-item-requested]; "
                                        "this one has %1 elements").arg(array.size()));
    }
    if (!isUint(array[bitsIndex]))
        return malformed(QStringLiteral("must be an unsigned integer"), QStringLiteral("data-item-requested"));
    request.dataItemRequested = quint64(array[bitsIndex].toInteger());
    if (const Status finished = options.finish({4, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 22, 23}); !finished)
        return finished.error();
    return Message(request);
}

Result<Message> decodeQueryResponse(Options &options)
{
    QueryResponse response;
    TRY_ASSIGN(response.token, options.token());
    TRY_ASSIGN(response.selectedVersion, options.uinteger(label::SelectedVersion));
    TRY_ASSIGN(response.attestationPayloadFormat, options.text(label::AttestationPayloadFormat, 1, 256));
    if (options.has(label::AttestationPayload))
        TRY_ASSIGN(response.attestationPayload, options.bytes(label::AttestationPayload, 0, 1 << 20));
    TRY_ASSIGN(response.suitReports, options.bytesList(label::SuitReports));
    if (options.has(label::TcList)) {
        QCborArray list;
        TRY_ASSIGN(list, options.nonEmptyArray(label::TcList, true));
        for (const QCborValue &claims : list) {
            if (!claims.isMap())
                return malformed(QStringLiteral("holds system-property-claims maps"), field(label::TcList));
            // system-component-id (key 0) names the component.
            if (const Status valid = Options::checkComponentId(claims.toMap().value(0), label::TcList); !valid)
                return valid.error();
        }
        response.tcList = list;
    }
    QCborArray requested;
    TRY_ASSIGN(requested, options.nonEmptyArray(label::RequestedTcList));
    for (const QCborValue &entry : requested) {
        const QCborMap info = entry.toMap();
        if (!entry.isMap() || !info.contains(label::ComponentId))
            return malformed(QStringLiteral("each entry is a map with component-id (16)"), field(label::RequestedTcList));
        if (const Status valid = Options::checkComponentId(info.value(label::ComponentId), label::RequestedTcList); !valid)
            return valid.error();
        RequestedTc tc{info.value(label::ComponentId), {}, {}};
        if (info.contains(label::TcManifestSequenceNumber)) {
            if (!isUint(info.value(label::TcManifestSequenceNumber)))
                return malformed(QStringLiteral("tc-manifest-sequence-number must be an unsigned integer"), field(label::RequestedTcList));
            tc.manifestSequenceNumber = quint64(info.value(label::TcManifestSequenceNumber).toInteger());
        }
        if (info.contains(label::HaveBinary)) {
            if (!info.value(label::HaveBinary).isBool())
                return malformed(QStringLiteral("have-binary must be a boolean"), field(label::RequestedTcList));
            tc.haveBinary = info.value(label::HaveBinary).toBool();
        }
        response.requestedTcList << tc;
    }
    TRY_ASSIGN(response.unneededManifestList, options.componentIds(label::UnneededManifestList));
    TRY_ASSIGN(response.extList, options.uintList(label::ExtList));
    if (const Status finished = options.finish({1, 2, 3, 4, 10, 11, 12, 16, 17, 18, 21, 22, 23}); !finished)
        return finished.error();
    return Message(response);
}

Status checkErrCode(quint64 code, const QString &where)
{
    if (code == 0 || (code >= 11 && code <= 16) || (code >= 18 && code <= 23))
        return malformed(QStringLiteral("err-code %1 is reserved").arg(code), where);
    return {};
}

Result<Message> decodeUpdate(Options &options)
{
    Update update;
    TRY_ASSIGN(update.token, options.token());
    TRY_ASSIGN(update.unneededManifestList, options.componentIds(label::UnneededManifestList));
    TRY_ASSIGN(update.manifestList, options.bytesList(label::ManifestList));
    TRY_ASSIGN(update.attestationPayloadFormat, options.text(label::AttestationPayloadFormat, 1, 256));
    if (options.has(label::AttestationPayload))
        TRY_ASSIGN(update.attestationPayload, options.bytes(label::AttestationPayload, 0, 1 << 20));
    TRY_ASSIGN(update.errCode, options.uinteger(label::ErrCode));
    if (update.errCode)
        if (const Status valid = checkErrCode(*update.errCode, field(label::ErrCode)); !valid)
            return valid.error();
    TRY_ASSIGN(update.errMsg, options.text(label::ErrMsg, 1, 128));
    TRY_ASSIGN(update.errLang, options.text(label::ErrLang, 1, 35));
    if (const Status finished = options.finish({1, 2, 3, 4, 6, 8, 9, 11, 14, 16, 17, 18, 19, 21}); !finished)
        return finished.error();
    return Message(update);
}

Result<Message> decodeSuccess(Options &options)
{
    Success success;
    TRY_ASSIGN(success.token, options.token());
    TRY_ASSIGN(success.msg, options.text(label::Msg, 1, 128));
    TRY_ASSIGN(success.suitReports, options.bytesList(label::SuitReports));
    if (const Status finished = options.finish({1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23}); !finished)
        return finished.error();
    return Message(success);
}

Result<Message> decodeError(const QCborArray &array, Options &options)
{
    ErrorMessage error;
    if (array.size() != 3 || !isUint(array[2]))
        return malformed(QStringLiteral("an Error is [6, options, err-code]"));
    error.errCode = quint64(array[2].toInteger());
    if (const Status valid = checkErrCode(error.errCode, QStringLiteral("err-code")); !valid)
        return valid.error();
    TRY_ASSIGN(error.token, options.token());
    TRY_ASSIGN(error.errMsg, options.text(label::ErrMsg, 1, 128));
    TRY_ASSIGN(error.errLang, options.text(label::ErrLang, 1, 35));
    if (options.has(label::SupportedTeepCipherSuites)) {
        QCborArray suites;
        TRY_ASSIGN(suites, options.nonEmptyArray(label::SupportedTeepCipherSuites));
        TRY_ASSIGN(error.cipherSuites, cipherSuites(suites, field(label::SupportedTeepCipherSuites)));
    }
    TRY_ASSIGN(error.freshnessMechanisms, options.uintList(label::SupportedFreshnessMechanisms));
    if (options.has(label::SupportedSuitCoseProfiles)) {
        QCborArray profiles;
        TRY_ASSIGN(profiles, options.nonEmptyArray(label::SupportedSuitCoseProfiles));
        TRY_ASSIGN(error.suitCoseProfiles, suitProfiles(profiles, field(label::SupportedSuitCoseProfiles)));
    }
    TRY_ASSIGN(error.challenge, options.bytes(label::Challenge, 8, kMaxChallengeBytes));
    TRY_ASSIGN(error.versions, options.uintList(label::Versions));
    TRY_ASSIGN(error.suitReports, options.bytesList(label::SuitReports));
    if (const Status finished = options.finish({6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 23}); !finished)
        return finished.error();
    return Message(error);
}

} // namespace

Result<DecodedMessage> decodeMessage(const QCborValue &value, const DecodeProfile &profile)
{
    if (!value.isArray())
        return malformed(QStringLiteral("a TEEP message is an array [type, options, ...]"));
    const QCborArray array = value.toArray();
    if (array.size() < 2 || array.size() > 5 || !isUint(array[0]) || !array[1].isMap())
        return malformed(QStringLiteral("a TEEP message is an array [type, options, ...]"));
    const qint64 type = array[0].toInteger();
    DecodedMessage out;
    Result<Message> message = malformed(QString());
    auto options = [&](const QString &name) { return Options(array[1].toMap(), profile, out, name); };
    switch (type) {
    case 1: {
        Options o = options(QStringLiteral("QueryRequest"));
        message = decodeQueryRequest(array, o, profile, out);
        break;
    }
    case 2: {
        if (array.size() != 2)
            return malformed(QStringLiteral("a QueryResponse is [2, options]"));
        Options o = options(QStringLiteral("QueryResponse"));
        message = decodeQueryResponse(o);
        break;
    }
    case 3: {
        if (array.size() != 2)
            return malformed(QStringLiteral("an Update is [3, options]"));
        Options o = options(QStringLiteral("Update"));
        message = decodeUpdate(o);
        break;
    }
    case 5: {
        if (array.size() != 2)
            return malformed(QStringLiteral("a Success is [5, options]"));
        Options o = options(QStringLiteral("Success"));
        message = decodeSuccess(o);
        break;
    }
    case 6: {
        Options o = options(QStringLiteral("Error"));
        message = decodeError(array, o);
        break;
    }
    case 4:
        return malformed(QStringLiteral("message type 4 is reserved (it was Delete in older drafts)"));
    default:
        return malformed(QStringLiteral("unknown TEEP message type %1").arg(type));
    }
    if (!message)
        return message.error();
    out.message = message.value();
    return out;
}

Result<DecodedMessage> decodeMessageBytes(const QByteArray &bytes, const DecodeProfile &profile)
{
    cbor::Limits limits;
    limits.maxBytes = 4 * 1024 * 1024; // an Update may carry integrated TA payloads
    const Result<QCborValue> value = cbor::decodeStrict(bytes, limits);
    if (!value)
        return Error{QStringLiteral("teep.malformed"), value.error().message, value.error().where};
    return decodeMessage(value.value(), profile);
}

ErrorCode errorCodeFor(const Error &error)
{
    if (error.code == QLatin1String("teep.unsupported-version"))
        return ErrorCode::UnsupportedMsgVersion;
    if (error.code == QLatin1String("teep.unsupported-cipher-suites"))
        return ErrorCode::UnsupportedCipherSuites;
    if (error.code == QLatin1String("teep.unsupported-freshness"))
        return ErrorCode::UnsupportedFreshnessMechanisms;
    return ErrorCode::PermanentError;
}

} // namespace teep::protocol
