#pragma once

#include "common/lazypage.h"

class QLabel;
class QPlainTextEdit;
class QTreeWidget;

namespace teep::ui {

class FilteredTable;
class RowsModel;
class ReferenceValuesPanel;
class SgxCollateralPanel;
class Workspace;

// Attestation: the latest result of every TEE with its trust tier and trust vector; for the
// selected TEE the vector claim by claim, every verification step (pass / warn / fail with its
// detail), its history (a timeline of appraisals), and the evidence as the device sent it
// (decoded); the reference values (referencevaluespanel.h).
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
    ReferenceValuesPanel *referenceValues() const { return m_referencesPanel; }
    SgxCollateralPanel *sgxCollateral() const { return m_collateralPanel; }

private:
    void showSelected();

    Workspace &m_workspace;
    RowsModel *m_model;
    FilteredTable *m_table;
    QLabel *m_title;
    QTreeWidget *m_checks;
    QTreeWidget *m_history;
    QPlainTextEdit *m_evidence;
    QTreeWidget *m_vector;
    ReferenceValuesPanel *m_referencesPanel;
    SgxCollateralPanel *m_collateralPanel;
};

} // namespace teep::ui
