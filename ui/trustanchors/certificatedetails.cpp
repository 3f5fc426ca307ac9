#include "trustanchors/certificatedetails.h"

#include "crypto/certificatedescription.h"
#include "statecolors.h"

#include <QHeaderView>

namespace teep::ui {

namespace {
constexpr int kKeyRole = Qt::UserRole + 1;
}

CertificateDetails::CertificateDetails(QWidget *parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("certificate-details"));
    setAccessibleName(tr("Certificate details"));
    setColumnCount(2);
    setHeaderLabels({tr("Field"), tr("Value")});
    setRootIsDecorated(false);
    setWordWrap(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(true);
}

void CertificateDetails::showCertificate(const crypto::Certificate &certificate, const QDateTime &now)
{
    clear();
    for (const crypto::DetailField &field : crypto::describeCertificate(certificate, now)) {
        auto *item = new QTreeWidgetItem(this, {field.label, field.value});
        item->setData(0, kKeyRole, field.key);
        item->setToolTip(1, field.value);
        if (field.key == QLatin1String("validity")) {
            const crypto::Validity validity = crypto::validityAt(certificate, now);
            item->setText(1, validityText(validity));
            item->setForeground(1, stateForeground(stateForValidity(validity), palette()));
            item->setBackground(1, stateBackground(stateForValidity(validity), palette()));
        }
    }
}

void CertificateDetails::showPublicKey(const QString &label, const crypto::Key &key, const QString &fingerprint)
{
    clear();
    const QList<QPair<QString, QString>> rows = {
        {QStringLiteral("label"), label}, {QStringLiteral("key"), key.description()}, {QStringLiteral("fingerprint_sha256"), fingerprint}};
    const QStringList labels = {tr("Name"), tr("Key"), tr("SHA-256 fingerprint (of the public key)")};
    for (qsizetype i = 0; i < rows.size(); ++i) {
        auto *item = new QTreeWidgetItem(this, {labels[i], rows[i].second});
        item->setData(0, kKeyRole, rows[i].first);
    }
}

void CertificateDetails::showNothing(const QString &hint)
{
    clear();
    auto *item = new QTreeWidgetItem(this, {hint});
    item->setFirstColumnSpanned(true);
    item->setForeground(0, palette().color(QPalette::PlaceholderText));
}

QString CertificateDetails::value(const QString &key) const
{
    for (int i = 0; i < topLevelItemCount(); ++i) {
        if (topLevelItem(i)->data(0, kKeyRole).toString() == key)
            return topLevelItem(i)->text(1);
    }
    return {};
}

} // namespace teep::ui
