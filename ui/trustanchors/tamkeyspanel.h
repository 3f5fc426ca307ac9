#pragma once

#include "tam/tamkeys.h"
#include "tam/tamrollover.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QPushButton;
class QTreeWidget;

namespace teep::ui {

class Operation;
class Workspace;

// The TAM's keys and its rollover, under the TAM identity: where each key is (this database, or
// which PKCS#11 token: label, maker and model, serial, slot, and whether it is plugged in now),
// and while a previous identity still signs beside the active one, how many devices have
// completed a session since and which have not. Read off the window's thread (a hardware token's
// module may take a moment to answer).
class TamKeysPanel : public QWidget
{
    Q_OBJECT

public:
    explicit TamKeysPanel(Workspace &workspace, QWidget *parent = nullptr);

    void reload();
    QTreeWidget *keyList() const { return m_keys; }
    QString rolloverText() const;
    // The identity that still signs beside the active one (the one Retire retires), if any.
    QString overlapping() const { return m_overlapping; }
    // During the overlap: which key signs for a listener with the legacy suites (deployed agents
    // take one signature): the previous (index 0) or the new one (1). Stored, audited.
    QComboBox *legacyKeyChoice() const { return m_legacyKey; }

signals:
    void rolloverRequested();
    void retireRequested(const QString &name);
    void reloaded();

private:
    struct Snapshot
    {
        QList<tam::TamKey> keys;
        std::optional<tam::RolloverStatus> status;
        bool legacyByNewKey = false;
    };
    void show(const Snapshot &snapshot);
    void chooseLegacyKey(int index);

    Workspace &m_workspace;
    QTreeWidget *m_keys = nullptr;
    QLabel *m_rollover = nullptr;
    QPushButton *m_rolloverButton = nullptr;
    QPushButton *m_retireButton = nullptr;
    QLabel *m_legacyLabel = nullptr;
    QComboBox *m_legacyKey = nullptr;
    QString m_overlapping;
    Operation *m_running = nullptr;
    bool m_again = false;
};

} // namespace teep::ui
