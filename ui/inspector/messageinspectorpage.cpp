#include "inspector/messageinspectorpage.h"

#include "common/files.h"
#include "common/filteredtable.h"
#include "common/operation.h"
#include "inspector/sequencediagram.h"
#include "models/rowsmodel.h"
#include "store/database.h"
#include "tam/deviceregistry.h"
#include "tam/tamhost.h"
#include "tam/tamidentity.h"
#include "workspace.h"

#include <QFileInfo>
#include <QTableView>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QLineEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
// "TEEP QueryResponse (COSE_Sign1)" -> "QueryResponse"; "OTrP GetDeviceStateResponse" -> "GetDeviceStateResponse".
QString shortName(const QString &kind)
{
    QString name = kind;
    if (const qsizetype paren = name.indexOf(QLatin1String(" (")); paren > 0)
        name.truncate(paren);
    const QString last = name.section(QLatin1Char(' '), -1);
    return last.isEmpty() ? kind : last;
}
} // namespace

MessageInspectorPage::MessageInspectorPage(Workspace &workspace, tam::TamHost &host, QWidget *parent) : LazyPage(parent), m_workspace(workspace)
{
    setObjectName(QStringLiteral("message-inspector-page"));
    m_sessions = new RowsModel({tr("#"), tr("Device"), tr("Profile"), tr("State"), tr("Messages"), tr("Started (UTC)"), tr("Outcome")}, this);
    m_sessions->setStateColumn(3);
    m_table = new FilteredTable(m_sessions, QStringLiteral("sessions"),
                                tr("No sessions yet. Start the TAM listener and demo devices (Devices view), or open a recorded session file."),
                                this);
    m_table->offerExport(m_workspace.prompts());
    m_table->sortBy(0, Qt::DescendingOrder); // newest first
    connect(m_table, &FilteredTable::selectionChanged, this, [this] {
        const QVariant key = m_table->selectedKey();
        if (key.isValid())
            showSession(key.toLongLong());
    });
    auto *open = new QPushButton(tr("&Open Session File..."), this);
    open->setObjectName(QStringLiteral("inspector-open"));
    m_exportButton = new QPushButton(tr("&Export Session..."), this);
    m_exportButton->setObjectName(QStringLiteral("inspector-export"));
    m_exportButton->setEnabled(false);
    connect(open, &QPushButton::clicked, this, [this] {
        const QStringList files = m_workspace.prompts().openFiles(this, tr("Open Session File"), tr("TEEP Console sessions (*.teep-session.json *.json)"));
        if (!files.isEmpty())
            openSessionFile(files.first());
    });
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        const QString path = m_workspace.prompts().saveFile(this, tr("Export Session"), QStringLiteral("session-%1.teep-session.json").arg(m_shown.session.id),
                                                            tr("TEEP Console sessions (*.teep-session.json)"));
        if (!path.isEmpty())
            exportSession(m_shown.session.id, path);
    });
    auto *left = new QWidget(this);
    auto *leftBar = new QHBoxLayout;
    leftBar->addWidget(open);
    leftBar->addWidget(m_exportButton);
    leftBar->addStretch(1);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(leftBar);
    leftLayout->addWidget(m_table, 1);

    m_title = new QLabel(tr("Select a session to see its messages."), this);
    m_title->setObjectName(QStringLiteral("inspector-title"));
    m_title->setWordWrap(true);
    m_diagram = new SequenceDiagram(this);
    connect(m_diagram, &SequenceDiagram::arrowSelected, this, &MessageInspectorPage::selectMessage);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_diagram);
    scroll->setWidgetResizable(true);
    m_decoded = new QPlainTextEdit(this);
    m_decoded->setObjectName(QStringLiteral("inspector-decoded"));
    m_decoded->setAccessibleName(tr("Decoded message"));
    m_decoded->setReadOnly(true);
    m_decoded->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_decoded->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_decoded->setPlaceholderText(tr("Click a message in the sequence to decode it."));
    m_steps = new QTreeWidget(this);
    m_steps->setObjectName(QStringLiteral("inspector-steps"));
    m_steps->setAccessibleName(tr("Decoding and verification steps"));
    m_steps->setHeaderLabels({tr("Step"), tr("Result"), tr("Detail")});
    m_steps->setRootIsDecorated(false);
    auto *messageTabs = new QTabWidget(this);
    messageTabs->addTab(m_decoded, tr("Decoded"));
    messageTabs->addTab(m_steps, tr("Layers and Verification"));
    auto *right = new QSplitter(Qt::Vertical, this);
    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_title);
    topLayout->addWidget(scroll, 1);
    right->addWidget(top);
    right->addWidget(messageTabs);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    right->setSizes({420, 300});

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({460, 720});
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    // Live: sessions appear and grow while devices talk to the TAM (reloads are coalesced).
    m_reloadTimer = new QTimer(this);
    m_reloadTimer->setSingleShot(true);
    m_reloadTimer->setInterval(250);
    connect(m_reloadTimer, &QTimer::timeout, this, &LazyPage::refresh);
    connect(&host, &tam::TamHost::sessionEvents, this, &MessageInspectorPage::sessionEvents);
    connect(&m_workspace, &Workspace::dataChanged, this, &LazyPage::refresh);
}

void MessageInspectorPage::sessionEvents()
{
    if (!m_reloadTimer->isActive())
        m_reloadTimer->start();
}

void MessageInspectorPage::reload()
{
    const QVariant selected = m_table->selectedKey();
    QList<RowsModel::Row> rows;
    if (const auto sessions = tam::FleetQueries(m_workspace.database().connection()).sessions()) {
        for (const tam::SessionRecord &s : sessions.value())
            rows << RowsModel::Row{{QString::number(s.id), s.device.isEmpty() ? s.peer : s.device, s.profile.toUpper(), s.state, QString::number(s.messages),
                                    s.startedAt, s.outcome},
                                   s.id, stateForWord(s.state), s.outcome};
    }
    const QSignalBlocker blocker(m_table);
    m_sessions->setRows(rows);
    if (selected.isValid()) {
        m_table->selectKey(selected);
        if (m_shown.session.id == selected.toLongLong() && m_shown.session.state == QLatin1String("open"))
            showSession(selected.toLongLong()); // still running: show its new messages
    }
}

void MessageInspectorPage::showSessionsOf(const QString &device)
{
    reload();
    m_table->filter()->setText(device);
    if (m_table->proxy()->rowCount() > 0)
        m_table->view()->selectRow(0); // newest first
}

bool MessageInspectorPage::showSession(qint64 sessionId)
{
    const tam::FleetQueries queries(m_workspace.database().connection());
    const auto record = queries.session(sessionId);
    const auto messages = queries.messages(sessionId);
    if (!record || !record.value() || !messages)
        return false;
    tam::SessionFile session{*record.value(), messages.value(), {}};
    show(session, tr("session %1").arg(sessionId));
    m_exportButton->setEnabled(true);
    return true;
}

bool MessageInspectorPage::openSessionFile(const QString &path)
{
    // Up to 64 MiB read and parsed on an Operation's thread.
    const auto session = runOffThread(this, tr("Reading %1...").arg(QFileInfo(path).fileName()), m_workspace.database().path(),
                                      [&](OperationContext &) -> Result<tam::SessionFile> {
                                          const Result<QByteArray> bytes = readLocalFile(path, tam::kMaxSessionFileBytes);
                                          if (!bytes)
                                              return bytes.error();
                                          return tam::readSessionFile(bytes.value());
                                      });
    if (!session) {
        m_workspace.prompts().error(this, tr("Not a Session File"), tr("%1\n\n%2").arg(path, session.error().toString()));
        return false;
    }
    m_table->view()->clearSelection();
    show(session.value(), tr("file %1 (recorded session %2)").arg(QFileInfo(path).fileName()).arg(session.value().session.id));
    m_exportButton->setEnabled(false);
    return true;
}

bool MessageInspectorPage::exportSession(qint64 sessionId, const QString &path)
{
    if (m_shown.session.id != sessionId && !showSession(sessionId))
        return false;
    // The public keys the signatures verify with travel with the messages.
    tam::SessionFile carrying = m_shown;
    carrying.keys.clear();
    tam::TamIdentities identities(m_workspace.database().connection(), m_workspace.keys(), m_workspace.clock(), m_workspace.actor());
    if (const auto active = identities.active(); active && !active.value().certificate.isNull())
        carrying.keys << tam::SessionFile::CarriedKey{QStringLiteral("tam"), active.value().certificate.publicKey().publicKeyDer()};
    if (!m_shown.session.device.isEmpty()) {
        const auto agentKey = tam::DeviceRegistry(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).agentKeyOf(m_shown.session.device);
        if (agentKey && agentKey.value())
            carrying.keys << tam::SessionFile::CarriedKey{QStringLiteral("device"), agentKey.value()->publicKeyDer()};
    }
    const QByteArray bytes = tam::writeSessionFile(carrying);
    const Status written = runOffThread(this, tr("Exporting the session..."), m_workspace.database().path(),
                                        [&](OperationContext &) { return writeLocalFile(path, bytes); });
    if (!written) {
        m_workspace.prompts().error(this, tr("Session Not Exported"), written.error().toString());
        return false;
    }
    return true;
}

void MessageInspectorPage::show(const tam::SessionFile &session, const QString &origin)
{
    m_shown = session;
    const QList<crypto::Key> keys = verificationKeys(session.session.device);
    QList<crypto::Key> carried;
    for (const tam::SessionFile::CarriedKey &key : session.keys) {
        if (auto parsed = crypto::Key::fromPublicKey(key.spki))
            carried << parsed.value();
    }
    int byCarried = 0;
    int verifiedCount = 0;
    QList<SequenceDiagram::Arrow> arrows;
    m_messageOfArrow.clear();
    m_inspections.clear();
    arrows << SequenceDiagram::Arrow{false, tr("POST (empty)"), QString(), true};
    m_messageOfArrow << -1;
    for (qsizetype i = 0; i < session.messages.size(); ++i) {
        const tam::MessageRecord &message = session.messages.at(i);
        protocol::Inspection checked = protocol::inspect(message.body, keys, true);
        bool withCarried = false;
        if (checked.verdict != protocol::Verdict::Verified && !carried.isEmpty()) {
            // Not with this database's keys: with the ones the file carries, said so.
            protocol::Inspection again = protocol::inspect(message.body, carried, true);
            if (again.verdict == protocol::Verdict::Verified) {
                checked = std::move(again);
                withCarried = true;
            }
        }
        m_inspections << checked;
        const protocol::Inspection &inspection = m_inspections.last();
        verifiedCount += inspection.verdict == protocol::Verdict::Verified ? 1 : 0;
        byCarried += withCarried ? 1 : 0;
        const QString verdict = inspection.verdict != protocol::Verdict::Verified ? tr("not verified")
                                : withCarried                                     ? tr("verified with the file's keys")
                                                                                  : tr("verified");
        arrows << SequenceDiagram::Arrow{message.toDevice, shortName(inspection.kind), tr("%1 bytes, %2").arg(message.body.size()).arg(verdict), false};
        m_messageOfArrow << int(i);
    }
    if (session.session.state != QLatin1String("open")) {
        arrows << SequenceDiagram::Arrow{true, tr("204 No Content"), QString(), true};
        m_messageOfArrow << -1;
    }
    m_diagram->setSession(session.session.profile == QLatin1String("otrp") ? tr("TEE (OTrP)") : tr("TEEP Agent"), arrows);
    m_title->setText(tr("<b>%1</b>: %2 %3 session with %4, %5. %6")
                         .arg(origin.toHtmlEscaped(), session.session.profile.toUpper(), session.session.state,
                              (session.session.device.isEmpty() ? session.session.peer : session.session.device).toHtmlEscaped(),
                              session.session.startedAt, session.session.outcome.toHtmlEscaped())
                     + (byCarried > 0 ? tr("<br>Signatures checked with the public keys the file carries (exported with it), not with this "
                                           "database's: they show who signed each message, not that this TAM trusts them.")
                        : verifiedCount == 0 && !session.messages.isEmpty() && keys.isEmpty() && carried.isEmpty()
                            ? tr("<br>Neither this database nor the file holds the keys of these messages: <i>not verified</i> means not "
                                 "checked here, not forged.")
                            : QString()));
    m_decoded->clear();
    m_steps->clear();
    if (arrows.size() > 1)
        m_diagram->select(1);
}

void MessageInspectorPage::selectMessage(int index)
{
    m_decoded->clear();
    m_steps->clear();
    const int message = m_messageOfArrow.value(index, -1);
    if (message < 0) {
        m_decoded->setPlainText(index == 0 ? tr("The Broker opens the session with an HTTP POST and an empty body; the TAM answers with its first "
                                                "message (TEEP: QueryRequest; OTrP: GetDeviceStateRequest).")
                                           : tr("The TAM has nothing more to send: HTTP 204 No Content ends the session."));
        m_diagram->select(index);
        return;
    }
    m_diagram->select(index);
    const tam::MessageRecord &record = m_shown.messages.at(message);
    const protocol::Inspection &inspection = m_inspections.at(message);
    m_decoded->setPlainText(tr("%1 - %2 message %3, %4, %5 bytes, %6\n\n%7")
                                .arg(inspection.kind, record.toDevice ? tr("TAM to device") : tr("device to TAM"))
                                .arg(record.seq)
                                .arg(record.mediaType)
                                .arg(record.body.size())
                                .arg(record.at, inspection.diagnostic));
    for (const protocol::InspectionStep &step : inspection.steps) {
        auto *item = new QTreeWidgetItem(m_steps, {step.what, step.ok ? tr("ok") : tr("FAILED"), step.detail});
        item->setForeground(1, stateForeground(step.ok ? State::Pass : State::Fail, palette()));
        item->setToolTip(2, step.detail);
    }
    m_steps->resizeColumnToContents(0);
}

QList<crypto::Key> MessageInspectorPage::verificationKeys(const QString &device) const
{
    QList<crypto::Key> keys;
    tam::TamIdentities identities(m_workspace.database().connection(), m_workspace.keys(), m_workspace.clock(), m_workspace.actor());
    if (const auto active = identities.active(); active && !active.value().certificate.isNull())
        keys << active.value().certificate.publicKey();
    if (!device.isEmpty()) {
        const auto agentKey = tam::DeviceRegistry(m_workspace.database().connection(), m_workspace.clock(), m_workspace.actor()).agentKeyOf(device);
        if (agentKey && agentKey.value())
            keys << *agentKey.value();
    }
    return keys;
}

} // namespace teep::ui
