#pragma once

#include "common/lazypage.h"
#include "common/operation.h"

class QLabel;
class QProgressBar;
class QPushButton;

namespace teep::ui {

class FilteredTable;
class RowsModel;
class Workspace;

// The append-only audit log: the newest entries with a filter, an integrity indicator from the
// hash chain (verified off the UI thread each time the view loads, with progress and cancel), and
// export of the whole log to CSV.
class AuditLogPage : public LazyPage
{
    Q_OBJECT

public:
    static constexpr int kShown = 5000;

    explicit AuditLogPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    void verifyChain();
    // Writes every entry (oldest first) to `path`; off the UI thread.
    void exportCsv(const QString &path);
    RowsModel *model() const { return m_model; }
    Operation *running() const { return m_running; }

signals:
    void operationFinished(const teep::ui::Operation::Outcome &outcome);

private:
    void run(Operation *operation);
    void chooseExportFile();

    Workspace &m_workspace;
    RowsModel *m_model;
    FilteredTable *m_table;
    QLabel *m_integrity;
    QLabel *m_count;
    QPushButton *m_verifyButton;
    QPushButton *m_exportButton;
    QPushButton *m_cancelButton;
    QProgressBar *m_progress;
    Operation *m_running = nullptr;
};

} // namespace teep::ui
