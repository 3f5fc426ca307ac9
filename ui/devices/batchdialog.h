#pragma once

#include "tam/batchprogress.h"
#include "tam/provisioningreport.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QProgressBar;

namespace teep::ui {

class Operation;
class RowsModel;
class Workspace;

// A factory batch as it runs: the devices of a group (and/or those in contact since a time), how
// many are provisioned, failed (with why) or still wait, refreshed whenever the fleet changes —
// this console's listener, or another writer on a shared database. Exports the batch's record as
// CSV (the same as `teepctl devices report`) or as a printable PDF.
class BatchDialog : public QDialog
{
    Q_OBJECT

public:
    BatchDialog(Workspace &workspace, const QStringList &groups, QWidget *parent = nullptr);
    ~BatchDialog() override;

    // "" every device.
    void setGroup(const QString &group);
    const tam::BatchProgress &progress() const { return m_progress; }
    bool exportCsv(const QString &path);
    bool exportPdf(const QString &path);

signals:
    // After every refresh, with the new progress.
    void refreshed();

private:
    tam::ReportScope scope() const;
    QString batchName() const;
    void refresh();
    void showRows(const QList<tam::ReportRow> &rows);
    bool save(const QString &path, bool pdf);

    Workspace &m_workspace;
    QComboBox *m_group;
    QCheckBox *m_sinceOn;
    QDateTimeEdit *m_since;
    QProgressBar *m_bar;
    QLabel *m_counts;
    RowsModel *m_devices;
    Operation *m_running = nullptr;
    bool m_again = false;
    QList<tam::ReportRow> m_rows;
    tam::BatchProgress m_progress;
};

} // namespace teep::ui
