#pragma once

#include "common/lazypage.h"

class QLabel;
class QPlainTextEdit;
class QTreeWidget;

namespace teep::ui {

class FilteredTable;
class RowsModel;
class Workspace;

// Attestation: the latest result of every TEE with its trust tier; for the selected TEE every
// verification step (pass / warn / fail with its detail), its history, and the evidence as the
// device sent it (decoded); the reference values the operator expects per device model.
class AttestationPage : public LazyPage
{
    Q_OBJECT

public:
    explicit AttestationPage(Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    RowsModel *model() const { return m_model; }
    FilteredTable *table() const { return m_table; }
    QTreeWidget *checks() const { return m_checks; }
    bool addReferenceValue(const QString &model, const QString &claim, const QString &expected);

private:
    void showSelected();
    void reloadReferences();
    void promptReferenceValue();
    void removeReferenceValue();

    Workspace &m_workspace;
    RowsModel *m_model;
    FilteredTable *m_table;
    QLabel *m_title;
    QTreeWidget *m_checks;
    QTreeWidget *m_history;
    QPlainTextEdit *m_evidence;
    RowsModel *m_references;
    FilteredTable *m_referenceTable;
};

} // namespace teep::ui
