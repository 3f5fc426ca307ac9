#pragma once

#include <QWidget>

class QLabel;
class QPushButton;

namespace teep::ui {

class FilteredTable;
class RowsModel;
class Workspace;

// The reference values evidence is appraised against: those typed in per device model (oemid,
// hwversion) and those imported from CoRIM files (Import CoRIM..., or drop the files here), listed
// by environment with their source file and signer.
class ReferenceValuesPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ReferenceValuesPanel(Workspace &workspace, QWidget *parent = nullptr);

    void reload();
    bool addReferenceValue(const QString &model, const QString &claim, const QString &expected);
    bool importCorimFile(const QString &path);
    bool importCorim(const QByteArray &bytes, const QString &source);
    bool removeCorimImport(qint64 importId);
    FilteredTable *corimTable() const { return m_corimTable; }
    RowsModel *corimModel() const { return m_corim; }

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void promptReferenceValue();
    void removeReferenceValue();
    void chooseCorimFiles();
    void askRemoveCorimImport();

    Workspace &m_workspace;
    RowsModel *m_references;
    FilteredTable *m_referenceTable;
    RowsModel *m_corim;
    FilteredTable *m_corimTable;
    QLabel *m_note;
    QPushButton *m_removeImport;
};

} // namespace teep::ui
