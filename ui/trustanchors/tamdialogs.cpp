#include "trustanchors/tamdialogs.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
QLineEdit *field(const QString &accessibleName, const QString &placeholder, QWidget *parent)
{
    auto *edit = new QLineEdit(parent);
    edit->setAccessibleName(accessibleName);
    edit->setPlaceholderText(placeholder);
    edit->setMaxLength(64);
    return edit;
}

// OK and Cancel for `dialog`; OK is enabled only while `name` holds more than blanks.
QDialogButtonBox *okCancelNeedingName(QDialog *dialog, QLineEdit *name)
{
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    auto update = [buttons, name] { buttons->button(QDialogButtonBox::Ok)->setEnabled(!name->text().trimmed().isEmpty()); };
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    QObject::connect(name, &QLineEdit::textChanged, dialog, update);
    update();
    return buttons;
}

crypto::KeyAlgorithm chosenAlgorithm(const QComboBox *combo)
{
    return static_cast<crypto::KeyAlgorithm>(combo->currentData().toInt());
}
} // namespace

QComboBox *makeAlgorithmCombo(QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->setAccessibleName(QObject::tr("Key algorithm"));
    combo->addItem(QObject::tr("EC P-256 (TEEP ESP256, OTrP ES256)"), static_cast<int>(crypto::KeyAlgorithm::P256));
    combo->addItem(QObject::tr("Ed25519 (TEEP)"), static_cast<int>(crypto::KeyAlgorithm::Ed25519));
    combo->addItem(QObject::tr("RSA 2048 (OTrP RS256)"), static_cast<int>(crypto::KeyAlgorithm::Rsa2048));
    combo->addItem(QObject::tr("RSA 3072 (OTrP RS256)"), static_cast<int>(crypto::KeyAlgorithm::Rsa3072));
    return combo;
}

GenerateTamDialog::GenerateTamDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Generate TAM Root CA and Certificate"));
    m_name = field(tr("Name"), tr("e.g. Line 7 TAM"), this);
    m_name->setText(QStringLiteral("TAM"));
    m_tamId = field(tr("TAM id"), tr("empty: a new urn:uuid"), this);
    m_tamId->setMaxLength(200);
    m_organization = field(tr("Organization"), tr("optional"), this);
    m_algorithm = makeAlgorithmCombo(this);
    m_keyInToken = new QLineEdit(this);
    m_keyInToken->setAccessibleName(tr("Make the TAM key in this PKCS#11 token"));
    m_keyInToken->setPlaceholderText(tr("optional: pkcs11:token=...;object=...?module-path=..."));
    m_keyInToken->setToolTip(tr("The TAM's key is made inside the token (HSM, smart card) and never leaves it; empty: in this database."));
    m_demo = new QCheckBox(tr("Demo identity for training: store the keys WITHOUT encryption"), this);
    connect(m_demo, &QCheckBox::toggled, m_keyInToken, [this](bool demo) { m_keyInToken->setEnabled(!demo); });
    auto *warning = new QLabel(tr("Anyone who can read the database file can then sign as this TAM."), this);
    warning->setStyleSheet(QStringLiteral("color: #b01e1e"));
    warning->setVisible(false);
    connect(m_demo, &QCheckBox::toggled, warning, &QWidget::setVisible);

    QDialogButtonBox *buttons = okCancelNeedingName(this, m_name);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Generate"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("TAM &id (URI):"), m_tamId);
    form->addRow(tr("&Organization:"), m_organization);
    form->addRow(tr("&Key:"), m_algorithm);
    form->addRow(tr("In a &token:"), m_keyInToken);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_demo);
    layout->addWidget(warning);
    layout->addWidget(buttons);
}

GenerateRequest GenerateTamDialog::request() const
{
    tam::GenerateOptions options;
    options.name = m_name->text().trimmed();
    options.tamId = m_tamId->text().trimmed();
    options.organization = m_organization->text().trimmed();
    options.algorithm = chosenAlgorithm(m_algorithm);
    options.demoUnprotected = m_demo->isChecked();
    return {options, options.demoUnprotected ? QString() : m_keyInToken->text().trimmed()};
}

std::optional<GenerateRequest> GenerateTamDialog::ask(QWidget *parent)
{
    GenerateTamDialog dialog(parent);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.request();
}

CsrDialog::CsrDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Create a CSR for an External CA"));
    m_name = field(tr("Name"), tr("e.g. Production TAM"), this);
    m_tamId = field(tr("TAM id"), tr("empty: a new urn:uuid"), this);
    m_tamId->setMaxLength(200);
    m_algorithm = makeAlgorithmCombo(this);
    QDialogButtonBox *buttons = okCancelNeedingName(this, m_name);
    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("TAM &id (URI):"), m_tamId);
    form->addRow(tr("&Key:"), m_algorithm);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

CsrRequest CsrDialog::request() const
{
    return {m_name->text().trimmed(), m_tamId->text().trimmed(), chosenAlgorithm(m_algorithm)};
}

std::optional<CsrRequest> CsrDialog::ask(QWidget *parent)
{
    CsrDialog dialog(parent);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.request();
}

RolloverDialog::RolloverDialog(const QString &current, bool holdsRoot, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Roll Over to a New TAM Key"));
    auto *intro = new QLabel(tr("A new key and certificate (same TAM id) become the TAM's. <b>%1</b> keeps signing beside "
                                "them, so that devices that know only its key still talk to this TAM, until you retire it.")
                                 .arg(current.toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    m_name = field(tr("Name"), tr("e.g. %1 2027").arg(current), this);
    m_name->setText(tr("%1 (new)").arg(current).left(64));
    m_algorithm = makeAlgorithmCombo(this);
    m_inToken = new QCheckBox(tr("Use a key in a PKCS#11 &token (HSM, smart card)"), this);
    m_tokenUri = new QLineEdit(this);
    m_tokenUri->setAccessibleName(tr("Token key URI"));
    m_tokenUri->setPlaceholderText(QStringLiteral("pkcs11:token=...;object=...?module-path=..."));
    m_tokenUri->setEnabled(false);
    m_makeInToken = new QCheckBox(tr("&Make a new key there (else use the key the URI names)"), this);
    m_makeInToken->setEnabled(false);
    connect(m_inToken, &QCheckBox::toggled, m_tokenUri, &QWidget::setEnabled);
    connect(m_inToken, &QCheckBox::toggled, m_makeInToken, &QWidget::setEnabled);
    connect(m_inToken, &QCheckBox::toggled, m_algorithm, [this](bool inToken) { m_algorithm->setEnabled(!inToken || m_makeInToken->isChecked()); });
    connect(m_makeInToken, &QCheckBox::toggled, m_algorithm, [this](bool make) { m_algorithm->setEnabled(make || !m_inToken->isChecked()); });
    m_newRoot = new QCheckBox(tr("A new TAM &root CA too (OTrP devices need the new root before they accept it)"), this);
    if (!holdsRoot) {
        m_newRoot->setChecked(true);
        m_newRoot->setEnabled(false);
        m_newRoot->setToolTip(tr("The current root CA's key is not in this console (imported, or an external CA's)."));
    }
    m_overlap = new QSpinBox(this);
    m_overlap->setAccessibleName(tr("Planned overlap in days"));
    m_overlap->setRange(1, 3650);
    m_overlap->setValue(30);
    m_overlap->setSuffix(tr(" days"));

    QDialogButtonBox *buttons = okCancelNeedingName(this, m_name);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Roll Over"));
    auto *form = new QFormLayout;
    form->addRow(tr("New &name:"), m_name);
    form->addRow(tr("New &key:"), m_algorithm);
    form->addRow(QString(), m_inToken);
    form->addRow(tr("Token &URI:"), m_tokenUri);
    form->addRow(QString(), m_makeInToken);
    form->addRow(QString(), m_newRoot);
    form->addRow(tr("Planned &overlap:"), m_overlap);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

RolloverRequest RolloverDialog::request() const
{
    return {m_name->text().trimmed(), chosenAlgorithm(m_algorithm), m_inToken->isChecked() ? m_tokenUri->text().trimmed() : QString(),
            m_newRoot->isChecked(), m_overlap->value(), m_inToken->isChecked() && m_makeInToken->isChecked()};
}

std::optional<RolloverRequest> RolloverDialog::ask(const QString &current, bool holdsRoot, QWidget *parent)
{
    RolloverDialog dialog(current, holdsRoot, parent);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.request();
}

} // namespace teep::ui
