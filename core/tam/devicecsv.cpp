#include "tam/devicecsv.h"

#include "crypto/key.h"

#include <QDir>
#include <QFile>
#include <QSet>

#include <algorithm>

namespace teep::tam {

namespace {

constexpr qint64 kMaxKeyFileBytes = 64 * 1024;

QString keyTypeOf(const crypto::Key &key)
{
    const QString description = key.description();
    return description.startsWith(QLatin1String("EC ")) ? description.mid(3) : description;
}

// The public key in `path`, or why not.
Result<crypto::Key> readKeyFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("tam.csv"), QStringLiteral("the key file cannot be read: %1").arg(file.errorString())};
    const QByteArray bytes = file.read(kMaxKeyFileBytes + 1);
    if (bytes.size() > kMaxKeyFileBytes)
        return Error{QStringLiteral("tam.csv"), QStringLiteral("the key file is larger than %1 KiB").arg(kMaxKeyFileBytes / 1024)};
    Result<crypto::Key> key = crypto::Key::fromPublicKey(bytes);
    if (!key)
        return Error{QStringLiteral("tam.csv"), QStringLiteral("the key file holds no public key: %1").arg(key.error().message)};
    return key;
}

// A line's fields checked: the row, with its error when it has one.
DeviceCsvRow checkLine(int line, const QStringList &fields, const QDir &keys, const QSet<QString> &registered, const QSet<QString> &names,
                       QSet<QByteArray> &keysSeen)
{
    DeviceCsvRow row;
    row.line = line;
    row.device.name = fields.value(0).trimmed();
    row.keyFile = fields.value(1).trimmed();
    row.device.group = fields.value(2).trimmed();
    row.device.profile = fields.value(3).trimmed().isEmpty() ? QStringLiteral("standard") : fields.value(3).trimmed();
    if (fields.size() < 2 || fields.size() > 4)
        row.error = QStringLiteral("expected name,agent-key-file[,group[,profile]], got %1 field(s)").arg(fields.size());
    else if (row.device.name.isEmpty() || row.device.name.size() > 128)
        row.error = QStringLiteral("a device needs a name of 1 to 128 characters");
    else if (names.contains(row.device.name))
        row.error = QStringLiteral("%1 is listed twice").arg(row.device.name);
    else if (registered.contains(row.device.name))
        row.error = QStringLiteral("%1 is registered already").arg(row.device.name);
    else if (row.device.profile != QLatin1String("standard") && row.device.profile != QLatin1String("compatible"))
        row.error = QStringLiteral("the profile is standard or compatible, not '%1'").arg(row.device.profile);
    else if (row.device.group.size() > 128)
        row.error = QStringLiteral("a group name has at most 128 characters");
    else if (row.keyFile.isEmpty())
        row.error = QStringLiteral("no agent key file");
    if (row.error.isEmpty()) {
        const Result<crypto::Key> key = readKeyFile(keys.absoluteFilePath(row.keyFile));
        if (!key) {
            row.error = QStringLiteral("%1: %2").arg(row.keyFile, key.error().message);
        } else if (keysSeen.contains(key.value().publicKeyDer())) {
            row.error = QStringLiteral("%1: the same agent key as another line").arg(row.keyFile);
        } else {
            row.device.agentKey = key.value();
            row.keyType = keyTypeOf(key.value());
            keysSeen << key.value().publicKeyDer();
        }
    }
    return row;
}

} // namespace

qsizetype DeviceCsv::errorCount() const
{
    return std::count_if(rows.cbegin(), rows.cend(), [](const DeviceCsvRow &row) { return !row.error.isEmpty(); });
}

QList<AgentRegistration> DeviceCsv::devices() const
{
    QList<AgentRegistration> good;
    for (const DeviceCsvRow &row : rows) {
        if (row.error.isEmpty())
            good << row.device;
    }
    return good;
}

QString DeviceCsv::errorSummary(qsizetype limit) const
{
    QStringList lines;
    for (const DeviceCsvRow &row : rows) {
        if (row.error.isEmpty())
            continue;
        if (lines.size() == limit) {
            lines << QStringLiteral("... and %1 more").arg(errorCount() - limit);
            break;
        }
        lines << QStringLiteral("line %1: %2").arg(row.line).arg(row.error);
    }
    return lines.join(QLatin1Char('\n'));
}

DeviceCsvRow checkDevice(const QString &name, const QString &keyFile, const QString &group, const QString &profile, const QSet<QString> &registered)
{
    QSet<QByteArray> keysSeen;
    return checkLine(0, {name, keyFile, group, profile}, QDir::current(), registered, {}, keysSeen);
}

Result<DeviceCsv> readDeviceCsv(const QByteArray &csv, const QString &folder, const QSet<QString> &registered)
{
    if (csv.size() > kMaxDeviceCsvBytes)
        return Error{QStringLiteral("tam.csv"), QStringLiteral("the list is larger than %1 MiB").arg(kMaxDeviceCsvBytes / (1024 * 1024))};
    const QDir keys(folder);
    const QList<QByteArray> lines = csv.split('\n');
    DeviceCsv result;
    QSet<QString> names;
    QSet<QByteArray> keysSeen;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = QString::fromUtf8(lines[i]).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || (i == 0 && line.startsWith(QLatin1String("name"), Qt::CaseInsensitive)))
            continue;
        if (result.rows.size() == kMaxDeviceCsvRows)
            return Error{QStringLiteral("tam.csv"), QStringLiteral("the list has more than %1 devices; split it").arg(kMaxDeviceCsvRows)};
        DeviceCsvRow row = checkLine(int(i + 1), line.split(QLatin1Char(',')), keys, registered, names, keysSeen);
        names << row.device.name;
        result.rows << row;
    }
    if (result.rows.isEmpty())
        return Error{QStringLiteral("tam.csv"), QStringLiteral("the list names no device (one line each: name,agent-key-file[,group[,profile]])")};
    return result;
}

} // namespace teep::tam
