#include "tam/sessionfile.h"
#include "common/json.h"
#include "crypto/key.h"

#include <nlohmann/json.hpp>

namespace teep::tam {

namespace {
constexpr qsizetype kMaxMessages = 1000;
constexpr qsizetype kMaxMessageBytes = 8 * 1024 * 1024;

Error fileError(const QString &message, const QString &where = {})
{
    return Error{QStringLiteral("session-file.invalid"), message, where};
}

Result<QString> text(const nlohmann::json &object, const char *name, const QString &where, bool required = true)
{
    const auto it = object.find(name);
    if (it == object.end()) {
        if (required)
            return fileError(QStringLiteral("\"%1\" is missing").arg(QLatin1String(name)), where);
        return QString();
    }
    if (!it->is_string() || it->get<std::string>().size() > 4096)
        return fileError(QStringLiteral("\"%1\" must be a string of at most 4096 bytes").arg(QLatin1String(name)), where);
    return QString::fromStdString(it->get<std::string>());
}
} // namespace

QByteArray writeSessionFile(const SessionFile &file)
{
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    for (const MessageRecord &message : file.messages)
        messages.push_back({{"seq", message.seq},
                            {"direction", message.toDevice ? "to-device" : "from-device"},
                            {"media_type", message.mediaType.toStdString()},
                            {"at", message.at.toStdString()},
                            {"body", message.body.toBase64().toStdString()}});
    const SessionRecord &s = file.session;
    const nlohmann::ordered_json json{{"format", "teep-console-session"},
                                      {"version", 1},
                                      {"session",
                                       {{"id", s.id},
                                        {"profile", s.profile.toStdString()},
                                        {"device", s.device.toStdString()},
                                        {"peer", s.peer.toStdString()},
                                        {"state", s.state.toStdString()},
                                        {"outcome", s.outcome.toStdString()},
                                        {"started_at", s.startedAt.toStdString()},
                                        {"ended_at", s.endedAt.toStdString()}}},
                                      {"messages", messages}};
    nlohmann::ordered_json document = json;
    if (!file.keys.isEmpty()) {
        nlohmann::ordered_json keys = nlohmann::ordered_json::array();
        for (const SessionFile::CarriedKey &key : file.keys)
            keys.push_back({{"role", key.role.toStdString()}, {"spki", key.spki.toBase64().toStdString()}});
        document["keys"] = keys;
    }
    return QByteArray::fromStdString(document.dump(2)) + '\n';
}

Result<SessionFile> readSessionFile(const QByteArray &bytes)
{
    if (bytes.size() > kMaxSessionFileBytes)
        return fileError(QStringLiteral("the file is larger than %1 MiB").arg(kMaxSessionFileBytes / (1024 * 1024)));
    const nlohmann::json json = parseJson(bytes.constBegin(), bytes.constEnd());
    if (json.is_discarded() || !json.is_object())
        return fileError(QStringLiteral("not a JSON object"));
    if (json.value("format", nlohmann::json()) != "teep-console-session")
        return fileError(QStringLiteral("not a TEEP Console session file (format is not \"teep-console-session\")"), QStringLiteral("format"));
    if (json.value("version", nlohmann::json()) != 1)
        return fileError(QStringLiteral("unsupported version (this console reads version 1)"), QStringLiteral("version"));
    if (!json.contains("session") || !json["session"].is_object())
        return fileError(QStringLiteral("\"session\" must be an object"), QStringLiteral("session"));
    const nlohmann::json &session = json["session"];
    SessionFile file;
    const auto id = session.find("id");
    if (id == session.end() || !id->is_number_integer())
        return fileError(QStringLiteral("\"id\" must be an integer"), QStringLiteral("session"));
    file.session.id = id->get<qint64>();
    QString *fields[] = {&file.session.profile, &file.session.device, &file.session.peer, &file.session.state,
                         &file.session.outcome, &file.session.startedAt, &file.session.endedAt};
    const char *names[] = {"profile", "device", "peer", "state", "outcome", "started_at", "ended_at"};
    for (int i = 0; i < 7; ++i) {
        const Result<QString> value = text(session, names[i], QStringLiteral("session"), i == 0);
        if (!value)
            return value.error();
        *fields[i] = value.value();
    }
    if (file.session.profile != QLatin1String("teep") && file.session.profile != QLatin1String("otrp"))
        return fileError(QStringLiteral("\"profile\" is teep or otrp"), QStringLiteral("session"));
    if (!json.contains("messages") || !json["messages"].is_array() || json["messages"].size() > std::size_t(kMaxMessages))
        return fileError(QStringLiteral("\"messages\" must be an array of at most %1 messages").arg(kMaxMessages), QStringLiteral("messages"));
    int index = 0;
    for (const nlohmann::json &entry : json["messages"]) {
        const QString where = QStringLiteral("messages[%1]").arg(index++);
        if (!entry.is_object())
            return fileError(QStringLiteral("a message must be an object"), where);
        MessageRecord message;
        const auto seq = entry.find("seq");
        if (seq == entry.end() || !seq->is_number_integer() || seq->get<qint64>() < 0 || seq->get<qint64>() > 1000000)
            return fileError(QStringLiteral("\"seq\" must be an integer from 0 to 1000000"), where);
        message.seq = int(seq->get<qint64>());
        const Result<QString> direction = text(entry, "direction", where);
        const Result<QString> mediaType = text(entry, "media_type", where);
        const Result<QString> at = text(entry, "at", where, false);
        if (!direction || !mediaType || !at)
            return !direction ? direction.error() : !mediaType ? mediaType.error() : at.error();
        if (direction.value() != QLatin1String("to-device") && direction.value() != QLatin1String("from-device"))
            return fileError(QStringLiteral("\"direction\" is to-device or from-device"), where);
        message.toDevice = direction.value() == QLatin1String("to-device");
        message.mediaType = mediaType.value();
        message.at = at.value();
        const auto body = entry.find("body");
        if (body == entry.end() || !body->is_string() || qsizetype(body->get<std::string>().size()) > kMaxMessageBytes * 4 / 3 + 4)
            return fileError(QStringLiteral("\"body\" must be base64 of at most %1 bytes").arg(kMaxMessageBytes), where);
        const auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(body->get<std::string>()), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return fileError(QStringLiteral("\"body\" is not base64"), where);
        message.body = *decoded;
        file.messages << message;
    }
    file.session.messages = int(file.messages.size());
    // Optional (files of earlier consoles have none): each a public key, nothing secret.
    if (const auto keys = json.find("keys"); keys != json.end()) {
        if (!keys->is_array() || keys->size() > std::size_t(kMaxCarriedKeys))
            return fileError(QStringLiteral("\"keys\" must be an array of at most %1 keys").arg(kMaxCarriedKeys), QStringLiteral("keys"));
        index = 0;
        for (const nlohmann::json &entry : *keys) {
            const QString where = QStringLiteral("keys[%1]").arg(index++);
            if (!entry.is_object())
                return fileError(QStringLiteral("a key must be an object"), where);
            const Result<QString> role = text(entry, "role", where);
            const Result<QString> spki = text(entry, "spki", where);
            if (!role || !spki)
                return !role ? role.error() : spki.error();
            if (role.value() != QLatin1String("tam") && role.value() != QLatin1String("device"))
                return fileError(QStringLiteral("\"role\" is tam or device"), where);
            const auto der = QByteArray::fromBase64Encoding(spki.value().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!der || !crypto::Key::fromPublicKey(*der))
                return fileError(QStringLiteral("\"spki\" is not a base64 public key (SubjectPublicKeyInfo)"), where);
            file.keys << SessionFile::CarriedKey{role.value(), *der};
        }
    }
    return file;
}

} // namespace teep::tam
