#pragma once

#include "crypto/truststore.h"

#include <QTabWidget>

namespace teep::ui {

class ServiceProvidersPage;
class TamIdentityPage;
class TrustStorePage;
class Workspace;

// The Trust Anchors view: the TAM identity, one page per trust store, and service providers.
class TrustAnchorsView : public QTabWidget
{
    Q_OBJECT

public:
    explicit TrustAnchorsView(Workspace &workspace, QWidget *parent = nullptr);

    TamIdentityPage *identityPage() const { return m_identity; }
    TrustStorePage *storePage(crypto::TrustStore store) const;
    ServiceProvidersPage *providersPage() const { return m_providers; }

private:
    TamIdentityPage *m_identity = nullptr;
    QList<TrustStorePage *> m_stores;
    ServiceProvidersPage *m_providers = nullptr;
};

} // namespace teep::ui
