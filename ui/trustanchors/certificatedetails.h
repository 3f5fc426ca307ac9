#pragma once

#include "crypto/certificate.h"

#include <QTreeWidget>

namespace teep::ui {

// Every detail of one certificate (or bare key): subject, issuer, serial, validity in its state
// colour, key, fingerprint, CA flags and each extension. Text is selectable for copying.
class CertificateDetails : public QTreeWidget
{
    Q_OBJECT

public:
    explicit CertificateDetails(QWidget *parent = nullptr);

    void showCertificate(const crypto::Certificate &certificate, const QDateTime &now);
    void showPublicKey(const QString &label, const crypto::Key &key, const QString &fingerprint);
    void showNothing(const QString &hint);
    // The value shown for a field key ("subject", "validity", ...), for tests and accessibility.
    QString value(const QString &key) const;
};

} // namespace teep::ui
