#pragma once

#include "attestation/appraisal.h"
#include "statecolors.h"

#include <QStyledItemDelegate>

namespace teep::ui {

// A trust vector as a cell's text: "ID 2  CF 2  EX 96  FS 0  HW 2  RO 0  SO 0  SD 0" (AR4SI
// order), which exports and filters as it reads; and its full names and details, for a tooltip.
QString trustVectorText(const attestation::TrustVector &vector);
QString trustVectorToolTip(const attestation::TrustVector &vector);
QString trustClaimLabel(const char *name); // "Instance identity", ...
State stateForTier(attestation::Tier tier); // affirming: pass, warning: warn, contraindicated: fail, none: neutral

// Paints such a cell as eight small boxes, each coloured by its claim's tier (affirming, warning,
// contraindicated, no claim), so that a column of devices reads at a glance.
class TrustVectorDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace teep::ui
