#include "models/fleetmodel.h"

#include "statecolors.h"

#include <QDateTime>
#include <QLocale>

namespace teep::ui {

QString worstTier(const tam::DeviceSummary &device)
{
    // "identified": the registered key alone, no evidence, so below an attested device with warnings.
    static const QStringList order = {QStringLiteral("contraindicated"), QStringLiteral("identified"), QStringLiteral("warning"),
                                      QStringLiteral("affirming")};
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

QStringList FleetModel::tiersOf(const QList<tam::DeviceSummary> &devices)
{
    QStringList tiers;
    tiers.reserve(devices.size());
    for (const tam::DeviceSummary &device : devices)
        tiers << worstTier(device);
    return tiers;
}

Result<QList<tam::DeviceSummary>> FleetModel::page(const tam::DeviceSummary *after, int limit) const
{
    if (!m_fleet)
        return QList<tam::DeviceSummary>();
    return m_fleet->devices(tam::DevicePage{m_filter, after ? after->name : QString(), after ? after->id : 0, limit});
}

Status FleetModel::reload(const tam::FleetQueries &fleet)
{
    m_fleet.emplace(fleet);
    // The rows already loaded stay loaded (the view keeps its scroll position), at least a page.
    const int wanted = qMax(kPageSize, int(m_devices.size()));
    const Result<QList<tam::DeviceSummary>> devices = page(nullptr, wanted);
    if (!devices)
        return devices.error();
    beginResetModel();
    m_devices = devices.value();
    m_tiers = tiersOf(m_devices);
    m_exhausted = m_devices.size() < wanted;
    endResetModel();
    return {};
}

Status FleetModel::setFilter(const QString &text)
{
    m_filter = text;
    const Result<QList<tam::DeviceSummary>> devices = page(nullptr, kPageSize);
    if (!devices)
        return devices.error();
    beginResetModel();
    m_devices = devices.value();
    m_tiers = tiersOf(m_devices);
    m_exhausted = m_devices.size() < kPageSize;
    endResetModel();
    return {};
}

bool FleetModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_exhausted;
}

void FleetModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_exhausted || m_devices.isEmpty())
        return;
    const Result<QList<tam::DeviceSummary>> more = page(&m_devices.last(), kPageSize);
    if (!more || more.value().isEmpty()) {
        m_exhausted = true;
        return;
    }
    beginInsertRows({}, int(m_devices.size()), int(m_devices.size() + more.value().size()) - 1);
    m_devices << more.value();
    m_tiers << tiersOf(more.value());
    endInsertRows();
    m_exhausted = more.value().size() < kPageSize;
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
    const QString &tier = m_tiers.at(index.row());
    if (role == TierRole)
        return tier;
    if (role == Qt::ForegroundRole && index.column() == Attestation) {
        const State state = tier == QLatin1String("affirming")                                              ? State::Pass
                            : tier == QLatin1String("warning") || tier == QLatin1String("identified") ? State::Warn
                            : tier.isEmpty()                                                                ? State::Neutral
                                                                                                            : State::Fail;
        return stateForeground(state, QPalette());
    }
    if (role == Qt::ForegroundRole && index.column() == LastOutcome)
        return stateForeground(device.lastOutcome.startsWith(QLatin1String("failed")) || device.refusedSignatures > 0 ? State::Fail : State::Neutral,
                               QPalette());
    if (role == Qt::ToolTipRole && index.column() == LastOutcome)
        return device.refusedSignatures == 0 ? device.lastOutcome
                                             : tr("%1\n\nSuspicious: %n message(s) claimed to be this device with a signature that did not verify "
                                                  "(last %2); nothing was recorded from them.",
                                                  nullptr, int(device.refusedSignatures))
                                                   .arg(device.lastOutcome, device.lastRefusedSignature);
    if (role == Qt::ToolTipRole && index.column() == InstalledTas)
        return installedTas(device).join(QLatin1Char('\n'));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name:
        return device.name;
    case Attestation:
        return tier.isEmpty() ? tr("not attested") : tier == QLatin1String("identified") ? tr("identified, not attested") : tier;
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
    case LastOutcome:
        return device.lastOutcome;
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
    static const QStringList titles = {tr("Device"), tr("Attestation"), tr("Last outcome"), tr("TEEs"), tr("Installed TAs"), tr("Last contact"), tr("Address"), tr("Identity")};
    return titles.value(section);
}

} // namespace teep::ui
