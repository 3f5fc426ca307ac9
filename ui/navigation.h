#pragma once

#include <QIcon>
#include <QList>
#include <QString>

namespace teep::ui {

// The console's views, in the order the navigation shows them. Each has a stable key (used in
// settings and object names), a title, and the text its empty state shows.
enum class Page {
    Overview,
    Devices,
    SecurityDomains,
    TrustedApps,
    TrustAnchors,
    Attestation,
    AuditLog,
    MessageInspector,
};

struct PageInfo
{
    Page page;
    QString key;      // "devices", "security-domains", ...
    QString title;    // "Devices"
    QString headline; // empty state: what is missing
    QString body;     // empty state: what this view is for
    QString nextStep; // empty state: what to do now
    QIcon icon;
};

const QList<PageInfo> &pages();
// The position of `page` in pages() (and in the navigation list and page stack).
int pageIndex(Page page);

} // namespace teep::ui
