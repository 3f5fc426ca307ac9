#pragma once

#include <QWidget>

class QLabel;
class QPushButton;

namespace teep::ui {

class FilteredTable;
class RowsModel;
class Workspace;

// Intel's SGX collateral kept for appraising SGX quotes (TCB info, QE identity, CRLs and the
// certificates that sign them): imported from the files Intel's PCS or a PCCS hands out (choose
// them, or drop the files or their folder here), each verified against the TEE root store.
// Without it, an SGX device's TCB status is unknown and its tier at most a warning.
class SgxCollateralPanel : public QWidget
{
    Q_OBJECT

public:
    explicit SgxCollateralPanel(Workspace &workspace, QWidget *parent = nullptr);

    void reload();
    // Files or folders, imported together (a signing chain beside what it signs).
    bool importPaths(const QStringList &paths);
    bool removeCollateral(qint64 id);
    FilteredTable *table() const { return m_table; }
    RowsModel *model() const { return m_model; }

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void chooseFiles();
    void askRemove();

    Workspace &m_workspace;
    RowsModel *m_model;
    FilteredTable *m_table;
    QLabel *m_note;
    QPushButton *m_remove;
};

} // namespace teep::ui
