#pragma once

#include "common/lazypage.h"

#include "crypto/truststore.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;

namespace teep::ui {

class CertificateDetails;
class TrustAnchorModel;
class Workspace;

// One trust-anchor store: filterable list, details of the selected anchor, import (file dialog,
// pasted PEM, drag and drop), export and removal with confirmation.
class TrustStorePage : public LazyPage
{
    Q_OBJECT

public:
    TrustStorePage(crypto::TrustStore store, Workspace &workspace, QWidget *parent = nullptr);

    void reload() override;
    // Imports certificates (or, for Verifier keys, a public key) from bytes; tells the user about
    // any failure. `source` names where they came from (a file name, "pasted text").
    bool importBytes(const QByteArray &bytes, const QString &source);
    // The same from a file (a chosen or dropped one), read off the window's thread.
    bool importFile(const QString &path);
    void importFiles();
    void pastePem();
    void exportSelected();
    void removeSelected();

    TrustAnchorModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    CertificateDetails *details() const { return m_details; }
    QLineEdit *filter() const { return m_filter; }
    bool showsEmptyState() const;

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void showSelection();
    qint64 selectedId() const;

    crypto::TrustStore m_store;
    Workspace &m_workspace;
    TrustAnchorModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    CertificateDetails *m_details = nullptr;
    QLineEdit *m_filter = nullptr;
    QStackedWidget *m_stack = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_remove = nullptr;
};

} // namespace teep::ui
