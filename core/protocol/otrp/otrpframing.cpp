#include "protocol/otrp/otrpframing.h"
#include "common/json.h"

namespace teep::protocol::otrp {

namespace {

Error invalid(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("otrp.ERR_REQUEST_INVALID"), message, where};
}

} // namespace

const QStringList &commandNames()
{
    // GetDeviceTEEState is the per-TEE answer to GetDeviceState (9.1.5); it only appears as a response.
    static const QStringList names = {QStringLiteral("GetDeviceState"), QStringLiteral("GetDeviceTEEState"),
                                      QStringLiteral("CreateSD"), QStringLiteral("UpdateSD"),
                                      QStringLiteral("DeleteSD"), QStringLiteral("InstallTA"), QStringLiteral("UpdateTA"),
                                      QStringLiteral("DeleteTA")};
    return names;
}

const QStringList &errorCodes()
{
    static const QStringList codes = {
        QStringLiteral("ERR_DEV_STATE_MISMATCH"), QStringLiteral("ERR_SD_ALREADY_EXISTS"), QStringLiteral("ERR_SD_NOT_EMPTY"),
        QStringLiteral("ERR_SDNAME_ALREADY_USED"), QStringLiteral("ERR_REQUEST_INVALID"), QStringLiteral("ERR_SPCERT_INVALID"),
        QStringLiteral("ERR_TA_ALREADY_INSTALLED"), QStringLiteral("ERR_TA_INVALID"), QStringLiteral("ERR_TA_NOT_FOUND"),
        QStringLiteral("ERR_TEE_FAIL"), QStringLiteral("ERR_TEE_RESOURCE_FULL"), QStringLiteral("ERR_TFW_NOT_TRUSTED"),
        QStringLiteral("ERR_TAM_NOT_TRUSTED"), QStringLiteral("ERR_UNSUPPORTED_CRYPTO_ALG"), QStringLiteral("ERR_UNSUPPORTED_MSG_VERSION"),
        QStringLiteral("ERR_SD_NOT_FOUND"), QStringLiteral("ERR_TAM_NOT_AUTHORIZED"),
        // Broker errors (10, and -02's ERR_AGENT_TEE_FAIL)
        QStringLiteral("ERR_AGENT_TEE_UNKNOWN"), QStringLiteral("ERR_AGENT_TEE_BUSY"), QStringLiteral("ERR_AGENT_TEE_FAIL")};
    return codes;
}

bool isErrorCode(const QString &code)
{
    return errorCodes().contains(code);
}

QString tbsName(const QString &command, Direction direction)
{
    return command + (direction == Direction::Request ? QStringLiteral("TBSRequest") : QStringLiteral("TBSResponse"));
}

QString signedName(const QString &command, Direction direction)
{
    return command + (direction == Direction::Request ? QStringLiteral("Request") : QStringLiteral("Response"));
}

Result<nlohmann::json> sign(const QString &command, Direction direction, const nlohmann::json &tbs, const crypto::jose::JwsSigner &signer)
{
    if (!commandNames().contains(command) || (command == QLatin1String("GetDeviceTEEState") && direction == Direction::Request))
        return invalid(QStringLiteral("unknown OTrP message %1").arg(signedName(command, direction)));
    if (!tbs.is_object())
        return invalid(QStringLiteral("the to-be-signed content must be a JSON object"));
    const nlohmann::json payload{{tbsName(command, direction).toStdString(), tbs}};
    const Result<nlohmann::json> jws = crypto::jose::signFlattened(QByteArray::fromStdString(payload.dump()), signer);
    if (!jws)
        return jws.error();
    return nlohmann::json{{signedName(command, direction).toStdString(), jws.value()}};
}

Result<Unwrapped> unwrap(const QByteArray &message)
{
    if (message.size() > kMaxMessageBytes)
        return invalid(QStringLiteral("the message is %1 bytes; at most %2 are accepted").arg(message.size()).arg(kMaxMessageBytes));
    const nlohmann::json json = parseJson(message.constData(), message.constData() + message.size());
    if (json.is_discarded())
        return invalid(QStringLiteral("the message is not valid JSON"));
    return unwrap(json);
}

Result<Unwrapped> unwrap(const nlohmann::json &message)
{
    if (!message.is_object() || message.size() != 1)
        return invalid(QStringLiteral("an OTrP message is an object with exactly one member"));
    const QString outer = QString::fromStdString(message.begin().key());
    Unwrapped result;
    bool known = false;
    for (const QString &command : commandNames()) {
        for (Direction direction : {Direction::Request, Direction::Response}) {
            if (outer == signedName(command, direction)) {
                result.command = command;
                result.direction = direction;
                known = true;
            }
        }
    }
    if (!known || outer == QLatin1String("GetDeviceTEEStateRequest"))
        return invalid(QStringLiteral("'%1' is not an OTrP message name").arg(outer.left(80)));
    const Result<crypto::jose::Jws> jws = crypto::jose::parse(message.begin().value());
    if (!jws)
        return Error{jws.error().code == QLatin1String("jose.unsupported-alg") ? QStringLiteral("otrp.ERR_UNSUPPORTED_CRYPTO_ALG")
                                                                                : QStringLiteral("otrp.ERR_REQUEST_INVALID"),
                     jws.error().message, outer};
    result.jws = jws.value();
    const nlohmann::json payload = parseJson(result.jws.payload.toStdString());
    const std::string expected = tbsName(result.command, result.direction).toStdString();
    if (payload.is_discarded() || !payload.is_object() || payload.size() != 1)
        return invalid(QStringLiteral("the signed payload must be an object with one member"), outer);
    if (!payload.contains(expected))
        return invalid(QStringLiteral("the signed payload is '%1', not '%2': the outer name does not match what was signed")
                           .arg(QString::fromStdString(payload.begin().key()).left(80), QString::fromStdString(expected)),
                       outer);
    result.tbs = payload[expected];
    if (!result.tbs.is_object())
        return invalid(QStringLiteral("%1 must be an object").arg(QString::fromStdString(expected)), outer);
    const auto ver = result.tbs.find("ver");
    if (ver == result.tbs.end() || !ver->is_string())
        return invalid(QStringLiteral("\"ver\" is missing"), QString::fromStdString(expected));
    if (ver->get<std::string>() != kVersion)
        return Error{QStringLiteral("otrp.ERR_UNSUPPORTED_MSG_VERSION"),
                     QStringLiteral("version '%1' is not supported (1.0 is)").arg(QString::fromStdString(ver->get<std::string>()).left(16)),
                     QString::fromStdString(expected)};
    return result;
}

QString reasonCode(const nlohmann::json &answer)
{
    const nlohmann::json reason = answer.is_object() ? answer.value("reason", nlohmann::json::object()) : nlohmann::json::object();
    const nlohmann::json code = reason.is_object() ? reason.value("error-code", nlohmann::json()) : nlohmann::json();
    const QString text = code.is_string() ? QString::fromStdString(code.get<std::string>()) : QString();
    return isErrorCode(text) ? text : QStringLiteral("ERR_TEE_FAIL");
}

QString errorCodeFor(const Error &error)
{
    if (error.code.startsWith(QLatin1String("otrp.")) && isErrorCode(error.code.mid(5)))
        return error.code.mid(5);
    return QStringLiteral("ERR_REQUEST_INVALID");
}

} // namespace teep::protocol::otrp
