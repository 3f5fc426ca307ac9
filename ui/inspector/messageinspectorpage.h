#pragma once

#include "crypto/key.h"
#include "protocol/inspector.h"
#include "tam/sessionfile.h"

#include "common/lazypage.h"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace teep::tam {
class TamHost;
struct SessionEvent;
} // namespace teep::tam

namespace teep::ui {

class FilteredTable;
class RowsModel;
class SequenceDiagram;
class Workspace;

// The Message Inspector: every session the TAM ran (live while the listener runs) drawn as a
// sequence of TAM - Broker - TEE messages; the selected message decoded (CBOR diagnostic or JSON,
// each signature and encryption layer, key ids) and verified with the TAM's key and the device's
// agent key. A session can be exported to a file and opened again later, offline.
class MessageInspectorPage : public LazyPage
{
    Q_OBJECT

public:
    MessageInspectorPage(Workspace &workspace, tam::TamHost &host, QWidget *parent = nullptr);

    void reload() override;
    // Shows a session of this database, or a session file (offline).
    bool showSession(qint64 sessionId);
    bool openSessionFile(const QString &path);
    bool exportSession(qint64 sessionId, const QString &path);
    void selectMessage(int index);
    // The sessions of one device (the filter set to its name), its newest one shown.
    void showSessionsOf(const QString &device);

    RowsModel *sessions() const { return m_sessions; }
    FilteredTable *table() const { return m_table; }
    SequenceDiagram *diagram() const { return m_diagram; }
    QPlainTextEdit *decoded() const { return m_decoded; }
    QTreeWidget *steps() const { return m_steps; }
    QLabel *title() const { return m_title; }

private:
    void show(const tam::SessionFile &session, const QString &origin);
    void sessionEvents();
    QList<crypto::Key> verificationKeys(const QString &device) const;

    Workspace &m_workspace;
    RowsModel *m_sessions;
    FilteredTable *m_table;
    QLabel *m_title;
    SequenceDiagram *m_diagram;
    QPlainTextEdit *m_decoded;
    QTreeWidget *m_steps;
    QPushButton *m_exportButton;
    QTimer *m_reloadTimer;
    tam::SessionFile m_shown;
    QList<int> m_messageOfArrow; // the message index behind each arrow; -1 for HTTP-only steps
    QList<protocol::Inspection> m_inspections; // of m_shown's messages, decoded and verified once
};

} // namespace teep::ui
