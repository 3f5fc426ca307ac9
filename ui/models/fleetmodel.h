#pragma once

#include "tam/fleetqueries.h"

#include <QAbstractTableModel>

#include <optional>

namespace teep::ui {

// The fleet as a table: one row per device, with its attestation, installed TAs and last contact.
// Loaded lazily, a page of kPageSize devices at a time as the view scrolls (fetchMore); the filter
// runs in the database, so it finds devices that are not loaded yet. reload() reads the loaded
// range again (after a session, a demo run, a change).
class FleetModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // The last outcome next to the tier: a failing device is seen without scrolling.
    enum Column { Name, Attestation, LastOutcome, Tees, InstalledTas, LastContact, Address, Identity, ColumnCount };
    enum Role { TierRole = Qt::UserRole + 1 };

    static constexpr int kPageSize = 100; // five screens of rows at 1024x768

    explicit FleetModel(QObject *parent = nullptr);

    Status reload(const tam::FleetQueries &fleet);
    // Devices whose name, serial or group contains `text`; from the first page again.
    Status setFilter(const QString &text);
    const QString &filter() const { return m_filter; }

    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    const tam::DeviceSummary &device(int row) const { return m_devices.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Result<QList<tam::DeviceSummary>> page(const tam::DeviceSummary *after, int limit) const;
    // Worked out once per load: views ask data() for every role of every cell they paint or sort.
    static QStringList tiersOf(const QList<tam::DeviceSummary> &devices);

    std::optional<tam::FleetQueries> m_fleet;
    QString m_filter;
    bool m_exhausted = true;
    QList<tam::DeviceSummary> m_devices;
    QStringList m_tiers; // worstTier() of each device, row by row
};

// The worst tier among a device's TEEs ("" when none was attested).
QString worstTier(const tam::DeviceSummary &device);
QStringList installedTas(const tam::DeviceSummary &device);

} // namespace teep::ui
