#pragma once

#include "common/clock.h"
#include "store/trustanchors.h"

#include <QAbstractTableModel>

namespace teep::ui {

// The anchors of one trust store, one row each. Reloaded from the database on demand.
class TrustAnchorModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Label, Subject, ValidUntil, Key, Fingerprint, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, ValidityRole };

    TrustAnchorModel(crypto::TrustStore store, const Clock &clock, QObject *parent = nullptr);

    crypto::TrustStore store() const { return m_store; }
    void setAnchors(QList<store::TrustAnchor> anchors);
    const store::TrustAnchor *anchorAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        store::TrustAnchor anchor;
        QString keyDescription;
        crypto::Validity validity = crypto::Validity::Valid;
    };

    crypto::TrustStore m_store;
    const Clock &m_clock;
    QList<Row> m_rows;
};

} // namespace teep::ui
