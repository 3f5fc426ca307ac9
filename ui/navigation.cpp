#include "navigation.h"

#include <QApplication>
#include <QStyle>

namespace teep::ui {

namespace {

QIcon standardIcon(QStyle::StandardPixmap pixmap)
{
    return QApplication::style()->standardIcon(pixmap);
}

QList<PageInfo> makePages()
{
    return {
        {Page::Overview, QStringLiteral("overview"), QObject::tr("Overview"),
         QObject::tr("Nothing to count yet"),
         QObject::tr("The fleet at a glance: devices by trust tier, sessions and failures per hour, "
                     "each TA version's rollout and the requests waiting for you."),
         QObject::tr("Open Devices (Ctrl+2) to start the TAM listener, register devices or run the demo."),
         standardIcon(QStyle::SP_FileDialogInfoView)},
        {Page::Devices, QStringLiteral("devices"), QObject::tr("Devices"),
         QObject::tr("No devices yet"),
         QObject::tr("Every device whose TEEP Broker talks to this TAM is listed here with its TEEs, "
                     "security domains, installed Trusted Applications and attestation state."),
         QObject::tr("Set up the TAM identity and trust anchors first (Trust Anchors, Ctrl+5); then "
                     "register a factory batch by their TEEP Agent keys, or let devices connect to the "
                     "TAM listener and attest."),
         standardIcon(QStyle::SP_ComputerIcon)},
        {Page::SecurityDomains, QStringLiteral("security-domains"), QObject::tr("Security Domains"),
         QObject::tr("No security domains yet"),
         QObject::tr("A security domain is the space a service provider owns inside a device's TEE; "
                     "its Trusted Applications are installed into it."),
         QObject::tr("Add a service provider under Trust Anchors first, then create a security "
                     "domain for it on a device."),
         standardIcon(QStyle::SP_DirClosedIcon)},
        {Page::TrustedApps, QStringLiteral("trusted-apps"), QObject::tr("Trusted Applications"),
         QObject::tr("The catalog is empty"),
         QObject::tr("Trusted Applications are signed by their service provider and delivered as "
                     "SUIT manifests. The catalog holds every version; the inventory shows where "
                     "each one is installed."),
         QObject::tr("Add the service provider under Trust Anchors first; then add a TA binary for it "
                     "to build and sign its first manifest, and assign it to devices."),
         standardIcon(QStyle::SP_FileIcon)},
        {Page::TrustAnchors, QStringLiteral("trust-anchors"), QObject::tr("Trust Anchors"),
         QObject::tr("No TAM identity and no trust anchors yet"),
         QObject::tr("Trust anchors decide whom this TAM trusts: TEE and firmware root CAs for "
                     "attestation, SP signer CAs for Trusted Applications, Verifier keys. The TAM "
                     "root CA is what devices must embed to trust this TAM."),
         QObject::tr("Start here: create or import the TAM identity, then import the root CAs of "
                     "the TEEs and service providers you work with."),
         standardIcon(QStyle::SP_DialogApplyButton)},
        {Page::Attestation, QStringLiteral("attestation"), QObject::tr("Attestation"),
         QObject::tr("No attestation results yet"),
         QObject::tr("Each time a device attests, the evidence, every verification step and the "
                     "resulting trust tier (affirming, warning, contraindicated) are kept here."),
         QObject::tr("Import TEE root CAs under Trust Anchors and set reference values for your "
                     "device models; results appear after a device's next session."),
         standardIcon(QStyle::SP_MessageBoxInformation)},
        {Page::AuditLog, QStringLiteral("audit-log"), QObject::tr("Audit Log"),
         QObject::tr("The audit log is empty"),
         QObject::tr("Every change made by an operator, a script or a device session is appended "
                     "here in a hash chain that cannot be rewritten unnoticed."),
         QObject::tr("Entries appear as soon as anything changes, starting with the TAM identity."),
         standardIcon(QStyle::SP_FileDialogDetailedView)},
        {Page::MessageInspector, QStringLiteral("message-inspector"), QObject::tr("Message Inspector"),
         QObject::tr("No messages captured"),
         QObject::tr("The Message Inspector draws every TAM - Broker - TEE exchange as a sequence "
                     "and decodes each message: its fields, signatures, keys and verification "
                     "results."),
         QObject::tr("Start the TAM listener and connect a simulated device, or open a recorded "
                     "session file. A single captured message can be decoded and verified right now "
                     "with: teepctl inspect FILE --key KEY.pem"),
         standardIcon(QStyle::SP_FileDialogContentsView)},
    };
}

} // namespace

const QList<PageInfo> &pages()
{
    static const QList<PageInfo> all = makePages();
    return all;
}

int pageIndex(Page page)
{
    for (qsizetype i = 0; i < pages().size(); ++i) {
        if (pages()[i].page == page)
            return static_cast<int>(i);
    }
    return 0;
}

} // namespace teep::ui
