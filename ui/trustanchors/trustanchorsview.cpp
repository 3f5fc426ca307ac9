#include "trustanchors/trustanchorsview.h"

#include "models/trustanchormodel.h"
#include "trustanchors/serviceproviderspage.h"
#include "trustanchors/tamidentitypage.h"
#include "trustanchors/truststorepage.h"
#include "workspace.h"

namespace teep::ui {

TrustAnchorsView::TrustAnchorsView(Workspace &workspace, QWidget *parent) : QTabWidget(parent)
{
    setObjectName(QStringLiteral("trust-anchors-page"));
    setAccessibleName(tr("Trust Anchors"));
    setDocumentMode(true);
    m_identity = new TamIdentityPage(workspace, this);
    addTab(m_identity, tr("TAM Identity"));
    for (const crypto::TrustStoreInfo &info : crypto::trustStores()) {
        auto *page = new TrustStorePage(info.store, workspace, this);
        m_stores << page;
        addTab(page, QString::fromLatin1(info.title));
    }
    m_providers = new ServiceProvidersPage(workspace, this);
    addTab(m_providers, tr("Service Providers"));
}

TrustStorePage *TrustAnchorsView::storePage(crypto::TrustStore store) const
{
    for (TrustStorePage *page : m_stores) {
        if (page->model()->store() == store)
            return page;
    }
    return nullptr;
}

} // namespace teep::ui
