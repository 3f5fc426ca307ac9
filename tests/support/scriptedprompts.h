#pragma once

#include "prompts.h"

#include <QQueue>
#include <QStringList>

namespace teep::test {

// Answers a view's questions from queues filled by the test, and records what it was told.
class ScriptedPrompts final : public ui::Prompts
{
public:
    QQueue<bool> confirmations;
    QQueue<QByteArray> passphrases;
    QQueue<QStringList> fileChoices;
    QQueue<QString> savePaths;
    QQueue<QString> texts;
    QStringList errors;
    QStringList questions;

    bool confirm(QWidget *, const QString &, const QString &text) override
    {
        questions << text;
        return confirmations.isEmpty() ? false : confirmations.dequeue();
    }
    void error(QWidget *, const QString &, const QString &text) override { errors << text; }
    std::optional<crypto::Secret> passphrase(QWidget *, const QString &text, bool) override
    {
        questions << text;
        if (passphrases.isEmpty())
            return std::nullopt;
        return crypto::Secret(passphrases.dequeue());
    }
    QStringList openFiles(QWidget *, const QString &, const QString &) override
    {
        return fileChoices.isEmpty() ? QStringList() : fileChoices.dequeue();
    }
    QString saveFile(QWidget *, const QString &, const QString &, const QString &) override
    {
        return savePaths.isEmpty() ? QString() : savePaths.dequeue();
    }
    std::optional<QString> text(QWidget *, const QString &, const QString &) override
    {
        if (texts.isEmpty())
            return std::nullopt;
        return texts.dequeue();
    }
};

} // namespace teep::test
