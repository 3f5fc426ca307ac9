#include "common/shareddatabasedialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QUrl>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace teep::ui {

SharedDatabaseDialog::SharedDatabaseDialog(QWidget *parent)
    : QDialog(parent), m_host(new QLineEdit(this)), m_port(new QSpinBox(this)), m_database(new QLineEdit(this)), m_user(new QLineEdit(this)),
      m_tls(new QComboBox(this)), m_caFile(new QLineEdit(this)), m_password(new QLineEdit(this)), m_preview(new QLabel(this)),
      m_command(new QLineEdit(this))
{
    setWindowTitle(tr("Open Shared Database"));
    setObjectName(QStringLiteral("shared-database-dialog"));
    auto *intro = new QLabel(tr("A PostgreSQL database that several consoles and TAM servers (<tt>teepctl serve</tt>) share. "
                                "A new, empty database is set up on first use."),
                             this);
    intro->setWordWrap(true);

    m_host->setObjectName(QStringLiteral("shared-host"));
    m_host->setPlaceholderText(tr("db.example.com"));
    m_port->setObjectName(QStringLiteral("shared-port"));
    m_port->setRange(1, 65535);
    m_port->setValue(5432);
    m_database->setObjectName(QStringLiteral("shared-database"));
    m_database->setText(QStringLiteral("teep"));
    m_user->setObjectName(QStringLiteral("shared-user"));
    m_user->setText(qEnvironmentVariable("USER"));
    m_tls->setObjectName(QStringLiteral("shared-tls"));
    m_tls->addItem(tr("Encrypt when the server can (prefer)"), QStringLiteral("prefer"));
    m_tls->addItem(tr("Always encrypt (require)"), QStringLiteral("require"));
    m_tls->addItem(tr("Encrypt and check the server's certificate (verify-full)"), QStringLiteral("verify-full"));
    m_caFile->setObjectName(QStringLiteral("shared-ca"));
    m_caFile->setPlaceholderText(tr("the CA that issued the server's certificate (PEM)"));
    auto *browse = new QToolButton(this);
    browse->setText(tr("Browse..."));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Server CA Certificate"), QString(), tr("Certificates (*.pem *.crt);;All files (*)"));
        if (!file.isEmpty())
            m_caFile->setText(file);
    });
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(browse);
    m_password->setObjectName(QStringLiteral("shared-password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("empty: from ~/.pgpass or PGPASSWORD"));
    m_password->setToolTip(tr("Kept in memory while TEEP Console runs; never saved."));

    auto *form = new QFormLayout;
    form->addRow(tr("&Server:"), m_host);
    form->addRow(tr("P&ort:"), m_port);
    form->addRow(tr("&Database:"), m_database);
    form->addRow(tr("&User:"), m_user);
    form->addRow(tr("&Connection:"), m_tls);
    form->addRow(tr("Server CA:"), caRow);
    form->addRow(tr("&Password:"), m_password);

    m_preview->setObjectName(QStringLiteral("shared-uri"));
    m_preview->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_preview->setWordWrap(true);
    m_command->setObjectName(QStringLiteral("shared-command"));
    m_command->setReadOnly(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    m_open = buttons->button(QDialogButtonBox::Open);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_preview);
    layout->addWidget(m_command);
    layout->addWidget(buttons);

    for (QLineEdit *edit : {m_host, m_database, m_user, m_caFile})
        connect(edit, &QLineEdit::textChanged, this, &SharedDatabaseDialog::updatePreview);
    connect(m_port, &QSpinBox::valueChanged, this, &SharedDatabaseDialog::updatePreview);
    connect(m_tls, &QComboBox::currentIndexChanged, this, &SharedDatabaseDialog::updatePreview);
    updatePreview();
    resize(640, sizeHint().height());
}

QString SharedDatabaseDialog::uri() const
{
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    url.setHost(m_host->text().trimmed());
    url.setPort(m_port->value());
    url.setUserName(m_user->text().trimmed());
    url.setPath(QLatin1Char('/') + m_database->text().trimmed());
    QUrlQuery query;
    const QString mode = m_tls->currentData().toString();
    if (mode != QLatin1String("prefer"))
        query.addQueryItem(QStringLiteral("sslmode"), mode);
    if (mode == QLatin1String("verify-full") && !m_caFile->text().trimmed().isEmpty())
        query.addQueryItem(QStringLiteral("sslrootcert"), m_caFile->text().trimmed());
    url.setQuery(query);
    return url.toString(QUrl::FullyEncoded);
}

QString SharedDatabaseDialog::password() const
{
    return m_password->text();
}

void SharedDatabaseDialog::updatePreview()
{
    const bool complete = !m_host->text().trimmed().isEmpty() && !m_database->text().trimmed().isEmpty();
    m_caFile->setEnabled(m_tls->currentData().toString() == QLatin1String("verify-full"));
    m_open->setEnabled(complete);
    m_preview->setText(complete ? tr("The same database for the command line and for <tt>teepctl serve</tt>:")
                                : tr("Name the server and the database."));
    m_command->setText(complete ? QStringLiteral("teepctl --database '%1'").arg(uri()) : QString());
    m_command->setCursorPosition(0);
    m_command->setVisible(complete);
}

} // namespace teep::ui
