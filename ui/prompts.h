#pragma once

#include "crypto/secret.h"

#include <QString>
#include <QWidget>

#include <optional>

namespace teep::ui {

// Everything a view asks of the person in front of it, behind one seam: the console shows real
// dialogs; GUI tests answer with a scripted Prompts so that workflows run unattended.
class Prompts
{
public:
    virtual ~Prompts() = default;
    virtual bool confirm(QWidget *parent, const QString &title, const QString &text) = 0;
    virtual void error(QWidget *parent, const QString &title, const QString &text) = 0;
    // `choosing`: the first passphrase of a new key store (asked twice).
    virtual std::optional<crypto::Secret> passphrase(QWidget *parent, const QString &text, bool choosing) = 0;
    virtual QStringList openFiles(QWidget *parent, const QString &title, const QString &filter) = 0;
    virtual QString saveFile(QWidget *parent, const QString &title, const QString &suggestedName, const QString &filter) = 0;
    // Multi-line text, e.g. a pasted PEM; nullopt when cancelled.
    virtual std::optional<QString> text(QWidget *parent, const QString &title, const QString &label) = 0;
};

class DialogPrompts final : public Prompts
{
public:
    bool confirm(QWidget *parent, const QString &title, const QString &text) override;
    void error(QWidget *parent, const QString &title, const QString &text) override;
    std::optional<crypto::Secret> passphrase(QWidget *parent, const QString &text, bool choosing) override;
    QStringList openFiles(QWidget *parent, const QString &title, const QString &filter) override;
    QString saveFile(QWidget *parent, const QString &title, const QString &suggestedName, const QString &filter) override;
    std::optional<QString> text(QWidget *parent, const QString &title, const QString &label) override;
};

} // namespace teep::ui
