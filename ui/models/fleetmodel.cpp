#include "models/fleetmodel.h"

#include "statecolors.h"

#include <QDateTime>
#include <QLocale>

namespace teep::ui {

QString worstTier(const tam::DeviceSummary &device)
{
    static const QStringList order = {QStringLiteral("contraindicated"), QStringLiteral("warning"), QStringLiteral("affirming")};
    for (const QString &tier : order) {
        if (std::any_of(device.tees.cbegin(), device.tees.cend(), [&](const auto &tee) { return tee.lastTier == tier; }))
            return tier;
    }
    return QString();
}

QStringList installedTas(const tam::DeviceSummary &device)
{
    QStringList tas;
    for (const auto &tee : device.tees) {
        for (const auto &sd : tee.sds)
            tas << sd.second;
    }
    tas.sort();
    return tas;
}

FleetModel::FleetModel(QObject *parent) : QAbstractTableModel(parent) {}

Status FleetModel::reload(const tam::Fleet &fleet)
{
    const Result<QList<tam::DeviceSummary>> devices = fleet.list();
    if (!devices)
        return devices.error();
    beginResetModel();
    m_devices = devices.value();
    endResetModel();
    return {};
}

int FleetModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_devices.size());
}

int FleetModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FleetModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const tam::DeviceSummary &device = m_devices.at(index.row());
    const QString tier = worstTier(device);
    if (role == TierRole)
        return tier;
    if (role == Qt::ForegroundRole && index.column() == Attestation) {
        const State state = tier == QLatin1String("affirming") ? State::Pass
                            : tier == QLatin1String("warning") ? State::Warn
                            : tier.isEmpty()                   ? State::Neutral
                                                               : State::Fail;
        return stateForeground(state, QPalette());
    }
    if (role == Qt::ToolTipRole && index.column() == InstalledTas)
        return installedTas(device).join(QLatin1Char('\n'));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name:
        return device.name;
    case Attestation:
        return tier.isEmpty() ? tr("not attested") : tier;
    case Tees: {
        QStringList names;
        for (const auto &tee : device.tees)
            names << QStringLiteral("%1 (%2)").arg(tee.name, tee.protocol.toUpper());
        return names.join(QStringLiteral(", "));
    }
    case InstalledTas:
        return installedTas(device).join(QStringLiteral(", "));
    case LastContact: {
        const QDateTime at = QDateTime::fromString(device.lastContact, Qt::ISODateWithMs);
        return at.isValid() ? QLocale().toString(at.toLocalTime(), QLocale::ShortFormat) : tr("never");
    }
    case Address:
        return device.lastPeer;
    case Identity:
        return device.identitySource == QLatin1String("attested") ? tr("learned by attestation")
               : device.identitySource == QLatin1String("registered") ? tr("registered")
                                                                        : tr("trusted on first use (demo)");
    default:
        return {};
    }
}

QVariant FleetModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const QStringList titles = {tr("Device"), tr("Attestation"), tr("TEEs"), tr("Installed TAs"), tr("Last contact"), tr("Address"), tr("Identity")};
    return titles.value(section);
}

} // namespace teep::ui
