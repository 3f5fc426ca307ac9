#include "models/trustanchormodel.h"

#include "statecolors.h"

#include <QApplication>
#include <QFontDatabase>

namespace teep::ui {

TrustAnchorModel::TrustAnchorModel(crypto::TrustStore store, const Clock &clock, QObject *parent)
    : QAbstractTableModel(parent), m_store(store), m_clock(clock)
{
}

void TrustAnchorModel::setAnchors(QList<store::TrustAnchor> anchors)
{
    beginResetModel();
    m_rows.clear();
    const QDateTime now = m_clock.now();
    for (store::TrustAnchor &anchor : anchors) {
        Row row;
        // Parsed once here, not on every paint.
        if (anchor.isCertificate) {
            const crypto::Certificate cert = anchor.certificate();
            row.keyDescription = cert.publicKey().description();
            row.validity = crypto::validityAt(cert, now);
        } else {
            row.keyDescription = anchor.subject;
        }
        row.anchor = std::move(anchor);
        m_rows << row;
    }
    endResetModel();
}

const store::TrustAnchor *TrustAnchorModel::anchorAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows[row].anchor : nullptr;
}

int TrustAnchorModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TrustAnchorModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TrustAnchorModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows[index.row()];
    const store::TrustAnchor &anchor = row.anchor;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Label:
            return anchor.label;
        case Subject:
            return anchor.isCertificate ? anchor.subject : tr("(bare public key)");
        case ValidUntil:
            return anchor.isCertificate ? QLocale().toString(anchor.notAfter.date(), QLocale::ShortFormat) : tr("no expiry");
        case Key:
            return row.keyDescription;
        case Fingerprint:
            return anchor.fingerprint;
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == ValidUntil && anchor.isCertificate)
            return tr("Valid from %1 until %2: %3")
                .arg(anchor.notBefore.toString(Qt::ISODate), anchor.notAfter.toString(Qt::ISODate), validityText(row.validity));
        return data(index, Qt::DisplayRole);
    case Qt::ForegroundRole:
        if (index.column() == ValidUntil && anchor.isCertificate)
            return stateForeground(stateForValidity(row.validity), QApplication::palette());
        break;
    case Qt::BackgroundRole:
        if (index.column() == ValidUntil && anchor.isCertificate)
            return stateBackground(stateForValidity(row.validity), QApplication::palette());
        break;
    case Qt::FontRole:
        if (index.column() == Fingerprint)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::AccessibleTextRole:
        if (index.column() == ValidUntil)
            return QStringLiteral("%1, %2").arg(data(index, Qt::DisplayRole).toString(), validityText(row.validity));
        return data(index, Qt::DisplayRole);
    case IdRole:
        return anchor.id;
    case ValidityRole:
        return static_cast<int>(row.validity);
    default:
        break;
    }
    return {};
}

QVariant TrustAnchorModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Label:
        return tr("Name");
    case Subject:
        return tr("Subject");
    case ValidUntil:
        return tr("Valid until");
    case Key:
        return tr("Key");
    case Fingerprint:
        return tr("SHA-256 fingerprint");
    }
    return {};
}

} // namespace teep::ui
