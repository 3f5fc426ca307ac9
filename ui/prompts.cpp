#include "prompts.h"

#include <QDialog>
#include <QFontDatabase>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace teep::ui {

bool DialogPrompts::confirm(QWidget *parent, const QString &title, const QString &text)
{
    return QMessageBox::question(parent, title, text, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) ==
           QMessageBox::Yes;
}

void DialogPrompts::error(QWidget *parent, const QString &title, const QString &text)
{
    QMessageBox::warning(parent, title, text);
}

std::optional<crypto::Secret> DialogPrompts::passphrase(QWidget *parent, const QString &text, bool choosing)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(choosing ? QObject::tr("Choose the Key Store Passphrase") : QObject::tr("Unlock the Key Store"));
    auto *label = new QLabel(text, &dialog);
    label->setWordWrap(true);
    auto *first = new QLineEdit(&dialog);
    first->setEchoMode(QLineEdit::Password);
    first->setAccessibleName(QObject::tr("Passphrase"));
    auto *second = new QLineEdit(&dialog);
    second->setEchoMode(QLineEdit::Password);
    second->setAccessibleName(QObject::tr("Repeat passphrase"));
    auto *mismatch = new QLabel(&dialog);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    auto *form = new QFormLayout;
    form->addRow(QObject::tr("Passphrase:"), first);
    if (choosing)
        form->addRow(QObject::tr("Repeat:"), second);
    else
        second->hide();
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(label);
    layout->addLayout(form);
    layout->addWidget(mismatch);
    layout->addWidget(buttons);
    auto validate = [=] {
        const bool same = !choosing || first->text() == second->text();
        const bool longEnough = !choosing || first->text().size() >= 8;
        mismatch->setText(!longEnough ? QObject::tr("At least 8 characters.")
                                      : (same ? QString() : QObject::tr("The two entries differ.")));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!first->text().isEmpty() && same && longEnough);
    };
    QObject::connect(first, &QLineEdit::textChanged, &dialog, validate);
    QObject::connect(second, &QLineEdit::textChanged, &dialog, validate);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    validate();
    const bool accepted = dialog.exec() == QDialog::Accepted;
    crypto::Secret secret(first->text().toUtf8());
    first->clear();
    second->clear();
    if (!accepted)
        return std::nullopt;
    return secret;
}

QStringList DialogPrompts::openFiles(QWidget *parent, const QString &title, const QString &filter)
{
    return QFileDialog::getOpenFileNames(parent, title, QString(), filter);
}

QString DialogPrompts::saveFile(QWidget *parent, const QString &title, const QString &suggestedName, const QString &filter)
{
    return QFileDialog::getSaveFileName(parent, title, suggestedName, filter);
}

std::optional<QString> DialogPrompts::text(QWidget *parent, const QString &title, const QString &label)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(title);
    dialog.resize(640, 420);
    auto *caption = new QLabel(label, &dialog);
    auto *edit = new QPlainTextEdit(&dialog);
    edit->setAccessibleName(label);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(caption);
    layout->addWidget(edit);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return edit->toPlainText();
}

} // namespace teep::ui
