#include "trustanchors/tamidentitypage.h"

#include "crypto/pkcs8.h"
#include "crypto/pkiformats.h"
#include "common/files.h"
#include "common/operation.h"
#include "store/database.h"
#include "store/keystore.h"
#include "store/trustanchors.h"
#include "trustanchors/certificatedetails.h"
#include "trustanchors/tamdialogs.h"
#include "trustanchors/tamkeyspanel.h"
#include "workspace.h"

#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QRegularExpression>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {

QPushButton *actionButton(const QString &text, const QString &tip, QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setToolTip(tip);
    button->setAccessibleName(QString(text).remove(QLatin1Char('&')).remove(QStringLiteral("...")));
    return button;
}

} // namespace

TamIdentityPage::TamIdentityPage(Workspace &workspace, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("tam-identity"));
    setAccessibleName(tr("TAM Identity"));

    // First run: the three ways to get an identity.
    auto *first = new QWidget(this);
    auto *intro = new QLabel(tr("<h3>This TAM has no identity yet</h3>"
                                "<p>Devices trust a TAM through its root CA, which they embed, and the TAM signs every "
                                "message with a certificate under it. Choose how to get one:</p>"),
                             first);
    intro->setWordWrap(true);
    intro->setObjectName(QStringLiteral("empty-state"));
    auto *generateButton = actionButton(tr("&Generate a TAM Root CA and Certificate..."),
                                        tr("Create a new root CA and a TAM signing certificate here; export the root for devices."), first);
    auto *importButton = actionButton(tr("I&mport an Existing Certificate and Key..."),
                                      tr("PKCS#12, or PEM files holding the certificate chain and the private key."), first);
    auto *csrButton = actionButton(tr("Create a &CSR for an External CA..."),
                                   tr("Make the key here, have your CA sign the request, then install the certificate."), first);
    auto *firstInstall = actionButton(tr("I&nstall the Issued Certificate..."), tr("The certificate your CA issued for the CSR."), first);
    m_pending = new QLabel(first);
    m_pending->setWordWrap(true);
    // A readable column in the middle of the page, as the other empty states have.
    auto *column = new QVBoxLayout;
    column->addStretch(1);
    column->addWidget(intro);
    for (QPushButton *button : {generateButton, importButton, csrButton})
        column->addWidget(button);
    column->addWidget(m_pending);
    column->addWidget(firstInstall);
    column->addStretch(2);
    auto *firstLayout = new QHBoxLayout(first);
    firstLayout->addStretch(1);
    firstLayout->addLayout(column, 3);
    firstLayout->addStretch(1);

    // With an identity.
    auto *current = new QWidget(this);
    m_summary = new QLabel(current);
    m_summary->setObjectName(QStringLiteral("tam-summary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details = new CertificateDetails(current);
    m_keysPanel = new TamKeysPanel(m_workspace, current);
    connect(m_keysPanel, &TamKeysPanel::rolloverRequested, this, &TamIdentityPage::askRollover);
    connect(m_keysPanel, &TamKeysPanel::retireRequested, this, &TamIdentityPage::askRetire);
    auto *exportButton = actionButton(tr("&Export TAM Root CA..."), tr("The root devices must embed to trust this TAM."), current);
    auto *againGenerate = actionButton(tr("&Generate New..."), generateButton->toolTip(), current);
    auto *againImport = actionButton(tr("I&mport..."), importButton->toolTip(), current);
    auto *againCsr = actionButton(tr("Create &CSR..."), csrButton->toolTip(), current);
    auto *againInstall = actionButton(tr("I&nstall Issued Certificate..."), firstInstall->toolTip(), current);
    auto *lockButton = actionButton(tr("&Lock Key Store"), tr("Forget the passphrase until it is needed again."), current);
    auto *buttons = new QHBoxLayout;
    for (QPushButton *button : {exportButton, againGenerate, againImport, againCsr, againInstall, lockButton})
        buttons->addWidget(button);
    buttons->addStretch();
    auto *currentLayout = new QVBoxLayout(current);
    currentLayout->addWidget(m_summary);
    currentLayout->addLayout(buttons);
    currentLayout->addWidget(m_keysPanel);
    currentLayout->addWidget(m_details, 1);

    m_installButtons = {firstInstall, againInstall};
    connect(generateButton, &QPushButton::clicked, this, &TamIdentityPage::askGenerate);
    connect(againGenerate, &QPushButton::clicked, this, &TamIdentityPage::askGenerate);
    connect(importButton, &QPushButton::clicked, this, &TamIdentityPage::askImport);
    connect(againImport, &QPushButton::clicked, this, &TamIdentityPage::askImport);
    connect(csrButton, &QPushButton::clicked, this, &TamIdentityPage::askCsr);
    connect(againCsr, &QPushButton::clicked, this, &TamIdentityPage::askCsr);
    connect(firstInstall, &QPushButton::clicked, this, &TamIdentityPage::askInstall);
    connect(againInstall, &QPushButton::clicked, this, &TamIdentityPage::askInstall);
    connect(exportButton, &QPushButton::clicked, this, &TamIdentityPage::askExportRoot);
    connect(lockButton, &QPushButton::clicked, &m_workspace, &Workspace::lock);

    m_stack = new QStackedWidget(this);
    m_stack->addWidget(first);
    m_stack->addWidget(current);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    // Hidden, it reloads when next shown: a change made elsewhere (a device session) costs it nothing.
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
    reload();
}

tam::TamIdentities TamIdentityPage::identities()
{
    return tam::TamIdentities(m_workspace.database().connection(), m_workspace.keys(), m_workspace.clock(), m_workspace.actor());
}

Result<tam::TamIdentity> TamIdentityPage::offThread(const QString &title, const std::function<Result<tam::TamIdentity>(tam::TamIdentities &)> &step)
{
    // Key generation (RSA 3072: up to seconds) and the key's encryption (PBKDF2): on the
    // Operation's thread and connection, with a copy of the unlocked key store.
    // Not cancellable: the identity is stored in one transaction at the end, or not at all.
    return runOffThread(this, title, m_workspace.database().path(), [&](OperationContext &context) {
        store::KeyStore keys(context.database.connection(), m_workspace.keys());
        tam::TamIdentities identities(context.database.connection(), keys, m_workspace.clock(), m_workspace.actor());
        return step(identities);
    });
}

Result<QByteArray> TamIdentityPage::readOffThread(const QString &path)
{
    return runOffThread(this, tr("Reading %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                        [&](OperationContext &) { return readLocalFile(path, crypto::kMaxPkiInputBytes); });
}

Status TamIdentityPage::writeOffThread(const QString &path, const QByteArray &bytes)
{
    return runOffThread(this, tr("Saving %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                        [&](OperationContext &) { return writeLocalFile(path, bytes); });
}

bool TamIdentityPage::showsEmptyState() const
{
    return m_stack->currentIndex() == 0;
}

QString TamIdentityPage::summary() const
{
    return m_summary->text();
}

std::optional<tam::TamIdentity> TamIdentityPage::pendingIdentity() const
{
    const auto all = tam::TamIdentities(m_workspace.database().connection(), m_workspace.keys(), m_workspace.clock(),
                                        m_workspace.actor()).list();
    if (!all)
        return std::nullopt;
    for (auto it = all.value().crbegin(); it != all.value().crend(); ++it) {
        if (it->state == QLatin1String("csr-pending"))
            return *it;
    }
    return std::nullopt;
}

void TamIdentityPage::reload()
{
    const std::optional<tam::TamIdentity> pending = pendingIdentity();
    for (QPushButton *button : m_installButtons)
        button->setVisible(pending.has_value());
    m_pending->setText(pending ? tr("A CSR for '%1' is waiting for its certificate.").arg(pending->name) : QString());
    const Result<tam::TamIdentity> active = identities().active();
    if (!active) {
        m_stack->setCurrentIndex(0);
        return;
    }
    const tam::TamIdentity &identity = active.value();
    QString text = tr("<b>%1</b> &nbsp; TAM id <code>%2</code><br>Root CA: %3")
                       .arg(identity.name.toHtmlEscaped(), identity.tamId.toHtmlEscaped(),
                            identity.chain.isEmpty() ? tr("(not known)") : identity.chain.last().subject().toHtmlEscaped());
    if (identity.demoUnprotected)
        text += tr("<br><span style='color:#b01e1e'><b>Demo identity:</b> its private keys are stored without "
                   "encryption. Use it for training only.</span>");
    m_summary->setText(text);
    m_details->showCertificate(identity.certificate, m_workspace.clock().now());
    m_keysPanel->reload();
    m_stack->setCurrentIndex(1);
}

bool TamIdentityPage::generate(const tam::GenerateOptions &chosen, const QString &keyInToken)
{
    if (!chosen.demoUnprotected && !m_workspace.ensureUnlocked(this))
        return false;
    tam::GenerateOptions options = chosen;
    if (!keyInToken.isEmpty()) {
        options.existingKey = tokenKey(tr("Generate TAM Identity"), keyInToken, true, options.algorithm);
        if (!options.existingKey)
            return false;
    }
    const Result<tam::TamIdentity> generated =
        offThread(tr("Generating the TAM identity..."), [&options](tam::TamIdentities &identities) { return identities.generate(options); });
    if (!generated) {
        m_workspace.prompts().error(this, tr("Generate TAM Identity"), generated.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool TamIdentityPage::importFiles(const QStringList &paths)
{
    QList<crypto::Certificate> certificates;
    crypto::Key key;
    for (const QString &path : paths) {
        const Result<QByteArray> bytes = readOffThread(path);
        if (!bytes) {
            m_workspace.prompts().error(this, tr("Import TAM Identity"), bytes.error().toString());
            return false;
        }
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (suffix == QLatin1String("p12") || suffix == QLatin1String("pfx")) {
            std::optional<crypto::Secret> password =
                m_workspace.prompts().passphrase(this, tr("Password of %1:").arg(QFileInfo(path).fileName()), false);
            if (!password)
                return false;
            const Result<crypto::Pkcs12Contents> contents =
                runOffThread(this, tr("Opening %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                             [&](OperationContext &) { return crypto::readPkcs12(bytes.value(), *password); });
            if (!contents) {
                m_workspace.prompts().error(this, tr("Import TAM Identity"), contents.error().message);
                return false;
            }
            certificates << contents.value().certificate << contents.value().chain;
            key = contents.value().key;
            continue;
        }
        if (bytes.value().contains("PRIVATE KEY-----")) {
            Result<crypto::Key> read = crypto::readPrivateKeyPem(bytes.value(), crypto::Secret());
            if (!read && read.error().code == QStringLiteral("crypto.passphrase-required")) {
                std::optional<crypto::Secret> passphrase =
                    m_workspace.prompts().passphrase(this, tr("Passphrase of the key in %1:").arg(QFileInfo(path).fileName()), false);
                if (!passphrase)
                    return false;
                // An encrypted PKCS#8 key: its PBKDF2 may take a second or more.
                read = runOffThread(this, tr("Decrypting the key in %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                                    [&](OperationContext &) { return crypto::readPrivateKeyPem(bytes.value(), *passphrase); });
            }
            if (!read) {
                m_workspace.prompts().error(this, tr("Import TAM Identity"), read.error().message);
                return false;
            }
            key = read.value();
        }
        if (bytes.value().contains("CERTIFICATE-----") || !bytes.value().contains("-----BEGIN")) {
            const Result<QList<crypto::Certificate>> parsed = crypto::parseCertificates(bytes.value());
            if (!parsed) {
                m_workspace.prompts().error(this, tr("Import TAM Identity"),
                                            tr("%1: %2").arg(QFileInfo(path).fileName(), parsed.error().message));
                return false;
            }
            certificates << parsed.value();
        }
    }
    if (key.isNull() || certificates.isEmpty()) {
        m_workspace.prompts().error(this, tr("Import TAM Identity"),
                                    tr("Choose the certificate (with its chain) and the private key, or one PKCS#12 file."));
        return false;
    }
    if (!m_workspace.ensureUnlocked(this))
        return false;
    const QString name = certificates.first().commonName().left(64);
    const Result<tam::TamIdentity> imported = offThread(tr("Importing the TAM identity..."), [&](tam::TamIdentities &identities) {
        return identities.importExisting(name.isEmpty() ? QStringLiteral("Imported TAM") : name, certificates, key);
    });
    if (!imported) {
        m_workspace.prompts().error(this, tr("Import TAM Identity"), imported.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool TamIdentityPage::createCsr(const QString &name, const QString &tamId, crypto::KeyAlgorithm algorithm, const QString &csrPath)
{
    if (!m_workspace.ensureUnlocked(this))
        return false;
    const Result<tam::TamIdentity> pending = offThread(tr("Generating the key and its request..."), [&](tam::TamIdentities &identities) {
        return identities.createCsr(name, tamId, algorithm);
    });
    if (!pending) {
        m_workspace.prompts().error(this, tr("Create CSR"), pending.error().message);
        return false;
    }
    const QByteArray pem = crypto::pemEncode(pending.value().csrDer, "CERTIFICATE REQUEST");
    if (const Status written = writeOffThread(csrPath, pem); !written)
        m_workspace.prompts().error(this, tr("Create CSR"),
                                    tr("The CSR was created but not saved (the TAM Identity view can save it again):\n\n%1")
                                        .arg(written.error().toString()));
    m_workspace.notifyChanged();
    return true;
}

bool TamIdentityPage::installIssued(const QStringList &paths)
{
    const std::optional<tam::TamIdentity> pending = pendingIdentity();
    if (!pending)
        return false;
    QList<crypto::Certificate> certificates;
    for (const QString &path : paths) {
        const Result<QByteArray> bytes = readOffThread(path);
        const Result<QList<crypto::Certificate>> parsed = bytes ? crypto::parseCertificates(bytes.value())
                                                                : Result<QList<crypto::Certificate>>(bytes.error());
        if (!parsed) {
            m_workspace.prompts().error(this, tr("Install Issued Certificate"),
                                        tr("%1: %2").arg(QFileInfo(path).fileName(), parsed.error().message));
            return false;
        }
        certificates << parsed.value();
    }
    const Result<tam::TamIdentity> ready = offThread(tr("Installing the issued certificate..."), [&](tam::TamIdentities &identities) {
        return identities.installIssuedCertificate(pending->id, certificates);
    });
    if (!ready) {
        m_workspace.prompts().error(this, tr("Install Issued Certificate"), ready.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    return true;
}

bool TamIdentityPage::exportRoot(const QString &path)
{
    const auto roots = store::TrustAnchors(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor())
                           .certificates(crypto::TrustStore::TamRoot);
    if (!roots || roots.value().isEmpty()) {
        m_workspace.prompts().error(this, tr("Export TAM Root CA"), tr("The TAM root CA store is empty."));
        return false;
    }
    if (const Status written = writeOffThread(path, crypto::writePem(roots.value())); !written) {
        m_workspace.prompts().error(this, tr("Export TAM Root CA"), written.error().toString());
        return false;
    }
    return true;
}

std::optional<crypto::Key> TamIdentityPage::tokenKey(const QString &title, const QString &uri, bool make, crypto::KeyAlgorithm algorithm)
{
    std::optional<crypto::Secret> pin;
    if (!m_workspace.keys().hasTokenPin()) {
        pin = m_workspace.prompts().passphrase(this, tr("PIN of the token %1:").arg(uri.section(QLatin1Char('?'), 0, 0)), false);
        if (!pin)
            return std::nullopt;
    }
    const Result<crypto::Key> key =
        runOffThread(this, make ? tr("Making the key in the token...") : tr("Opening the token..."), m_workspace.database().path(), [&](OperationContext &context) {
            store::KeyStore keys(context.database.connection(), m_workspace.keys());
            if (pin)
                keys.setTokenPin(crypto::Secret(QByteArray(pin->bytes())));
            return make ? keys.makeTokenKey(uri, algorithm) : keys.loadTokenKey(uri);
        });
    if (!key) {
        m_workspace.prompts().error(this, title, key.error().message);
        return std::nullopt;
    }
    if (pin)
        m_workspace.keys().setTokenPin(std::move(*pin));
    return key.value();
}

bool TamIdentityPage::rollover(const RolloverRequest &request)
{
    if (!m_workspace.ensureUnlocked(this))
        return false;
    std::optional<crypto::Key> tokenKey;
    if (!request.tokenUri.isEmpty()) {
        tokenKey = this->tokenKey(tr("Roll Over"), request.tokenUri, request.makeInToken, request.algorithm);
        if (!tokenKey)
            return false;
    }
    const Result<tam::TamIdentity> made = runOffThread(this, tr("Rolling over to a new key..."), m_workspace.database().path(), [&](OperationContext &context) {
        store::KeyStore keys(context.database.connection(), m_workspace.keys());
        tam::RolloverOptions options;
        options.name = request.name;
        options.algorithm = request.algorithm;
        options.key = tokenKey;
        options.newRoot = request.newRoot;
        options.overlapDays = request.overlapDays;
        return tam::TamRollover(context.database.connection(), keys, m_workspace.clock(), m_workspace.actor()).rollover(options);
    });
    if (!made) {
        m_workspace.prompts().error(this, tr("Roll Over"), made.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    m_workspace.notifyTamIdentityChanged();
    return true;
}

bool TamIdentityPage::retire(const QString &name)
{
    const Status retired = runOffThread(this, tr("Retiring %1...").arg(name), m_workspace.database().path(), [&](OperationContext &context) {
        store::KeyStore keys(context.database.connection());
        return tam::TamRollover(context.database.connection(), keys, m_workspace.clock(), m_workspace.actor()).retire(name);
    });
    if (!retired) {
        m_workspace.prompts().error(this, tr("Retire"), retired.error().message);
        return false;
    }
    m_workspace.notifyChanged();
    m_workspace.notifyTamIdentityChanged();
    return true;
}

void TamIdentityPage::askRollover()
{
    const Result<tam::TamIdentity> active = identities().active();
    if (!active)
        return;
    if (const std::optional<RolloverRequest> request = RolloverDialog::ask(active.value().name, active.value().rootKeyId != 0, this))
        rollover(*request);
}

void TamIdentityPage::askRetire(const QString &name)
{
    // What retiring costs, said before: the devices not seen since the rollover.
    const QString question = tr("Retire '%1'? It stops signing at once: devices that still know only its key can no longer talk to "
                                "this TAM.\n\n%2")
                                 .arg(name, QString(m_keysPanel->rolloverText()).remove(QRegularExpression(QStringLiteral("<[^>]*>"))));
    if (m_workspace.prompts().confirm(this, tr("Retire the Previous TAM Key"), question))
        retire(name);
}

void TamIdentityPage::askGenerate()
{
    if (const std::optional<GenerateRequest> request = GenerateTamDialog::ask(this))
        generate(request->options, request->keyInToken);
}

void TamIdentityPage::askImport()
{
    const QStringList paths = m_workspace.prompts().openFiles(
        this, tr("Import TAM Certificate and Key"), tr("PKCS#12 or PEM (*.p12 *.pfx *.pem *.crt *.key);;All files (*)"));
    if (!paths.isEmpty())
        importFiles(paths);
}

void TamIdentityPage::askCsr()
{
    const std::optional<CsrRequest> request = CsrDialog::ask(this);
    if (!request)
        return;
    const QString path = m_workspace.prompts().saveFile(this, tr("Save the CSR"), request->name + QStringLiteral(".csr.pem"),
                                                        tr("PEM (*.pem *.csr)"));
    if (!path.isEmpty())
        createCsr(request->name, request->tamId, request->algorithm, path);
}

void TamIdentityPage::askInstall()
{
    const QStringList paths = m_workspace.prompts().openFiles(this, tr("Install the Issued Certificate"),
                                                              tr("Certificates (*.pem *.crt *.cer *.der *.p7b);;All files (*)"));
    if (!paths.isEmpty())
        installIssued(paths);
}

void TamIdentityPage::askExportRoot()
{
    const QString path = m_workspace.prompts().saveFile(this, tr("Export TAM Root CA"), QStringLiteral("tam-root-ca.pem"),
                                                        tr("PEM (*.pem)"));
    if (!path.isEmpty())
        exportRoot(path);
}

} // namespace teep::ui
