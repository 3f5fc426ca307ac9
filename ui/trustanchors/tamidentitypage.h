#pragma once

#include "common/lazypage.h"

#include "tam/tamidentity.h"
#include "trustanchors/tamdialogs.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;

namespace teep::ui {

class CertificateDetails;
class TamKeysPanel;
class Workspace;

// The TAM's own identity. Without one it offers the three ways to get one: generate a TAM root CA
// and a TAM certificate, import an existing certificate and key, or create a CSR for an external
// CA (and later install what it issued). With one it shows it, exports the root CA devices
// must embed, shows where its keys are, and rolls it over to a new key.
class TamIdentityPage : public LazyPage
{
    Q_OBJECT

public:
    explicit TamIdentityPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    // The actions behind the buttons, with their inputs already chosen (the dialogs call these).
    // With `keyInToken` (a pkcs11: URI) the TAM's key is made in that token.
    bool generate(const tam::GenerateOptions &options, const QString &keyInToken = {});
    bool importFiles(const QStringList &paths);
    bool createCsr(const QString &name, const QString &tamId, crypto::KeyAlgorithm algorithm, const QString &csrPath);
    bool installIssued(const QStringList &paths);
    bool exportRoot(const QString &path);
    // A rollover to a new key (tam/tamrollover), and the previous identity retired, once confirmed.
    bool rollover(const RolloverRequest &request);
    bool retire(const QString &name);

    bool showsEmptyState() const;
    CertificateDetails *details() const { return m_details; }
    TamKeysPanel *keysPanel() const { return m_keysPanel; }
    QString summary() const;

private:
    void askGenerate();
    void askImport();
    void askCsr();
    void askInstall();
    void askExportRoot();
    void askRollover();
    void askRetire(const QString &name);
    std::optional<tam::TamIdentity> pendingIdentity() const;
    // The key in a token for a new identity: the one `uri` names or (`make`) a new one made there.
    // The PIN is asked unless this run has it; what fails is said, and nothing changes.
    std::optional<crypto::Key> tokenKey(const QString &title, const QString &uri, bool make, crypto::KeyAlgorithm algorithm);
    tam::TamIdentities identities();
    // `step` on a thread of its own (with the page's progress dialog); its result.
    Result<tam::TamIdentity> offThread(const QString &title, const std::function<Result<tam::TamIdentity>(tam::TamIdentities &)> &step);
    Result<QByteArray> readOffThread(const QString &path);
    Status writeOffThread(const QString &path, const QByteArray &bytes);

    Workspace &m_workspace;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_pending = nullptr;
    CertificateDetails *m_details = nullptr;
    TamKeysPanel *m_keysPanel = nullptr;
    QList<QPushButton *> m_installButtons;
};

} // namespace teep::ui
