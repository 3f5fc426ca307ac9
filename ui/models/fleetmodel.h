#pragma once

#include "tam/fleet.h"

#include <QAbstractTableModel>

namespace teep::ui {

// The fleet as a table: one row per device, with its attestation, installed TAs and last contact.
// reload() reads it again from the database (after a session, a demo run, a change).
class FleetModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Name, Attestation, Tees, InstalledTas, LastContact, Address, Identity, ColumnCount };
    enum Role { TierRole = Qt::UserRole + 1 };

    explicit FleetModel(QObject *parent = nullptr);

    Status reload(const tam::Fleet &fleet);
    const tam::DeviceSummary &device(int row) const { return m_devices.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<tam::DeviceSummary> m_devices;
};

// The worst tier among a device's TEEs ("" when none was attested).
QString worstTier(const tam::DeviceSummary &device);
QStringList installedTas(const tam::DeviceSummary &device);

} // namespace teep::ui
