#include "common/csv.h"

namespace teep::csv {

QString field(const QString &value)
{
    QString text = value;
    if (!text.isEmpty() && QStringLiteral("=+-@").contains(text.front()))
        text.prepend(QLatin1Char('\''));
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) || text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\r')))
        return QLatin1Char('"') + text.replace(QLatin1String("\""), QLatin1String("\"\"")) + QLatin1Char('"');
    return text;
}

QString line(const QStringList &fields)
{
    QStringList escaped;
    for (const QString &value : fields)
        escaped << field(value);
    return escaped.join(QLatin1Char(',')) + QStringLiteral("\r\n");
}

} // namespace teep::csv
