#pragma once

#include "tam/tamidentity.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace teep::ui {

// The choices for a new TAM identity: name, TAM id, organisation, key algorithm, demo flag, and
// a PKCS#11 token to make the TAM's key in.
struct GenerateRequest
{
    tam::GenerateOptions options;
    QString keyInToken; // a pkcs11: URI, or empty: the key in the database
};

class GenerateTamDialog : public QDialog
{
    Q_OBJECT

public:
    explicit GenerateTamDialog(QWidget *parent = nullptr);
    GenerateRequest request() const;
    static std::optional<GenerateRequest> ask(QWidget *parent);

private:
    QLineEdit *m_keyInToken = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_tamId = nullptr;
    QLineEdit *m_organization = nullptr;
    QComboBox *m_algorithm = nullptr;
    QCheckBox *m_demo = nullptr;
};

struct CsrRequest
{
    QString name;
    QString tamId;
    crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::P256;
};

class CsrDialog : public QDialog
{
    Q_OBJECT

public:
    explicit CsrDialog(QWidget *parent = nullptr);
    CsrRequest request() const;
    static std::optional<CsrRequest> ask(QWidget *parent);

private:
    QLineEdit *m_name = nullptr;
    QLineEdit *m_tamId = nullptr;
    QComboBox *m_algorithm = nullptr;
};

// A rollover: the new identity's name, its key (a new one here, or one in a PKCS#11 token), a
// new root CA or not, and the overlap the operator plans.
struct RolloverRequest
{
    QString name;
    crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::P256;
    QString tokenUri; // empty: a new key, encrypted in this database
    bool newRoot = false;
    int overlapDays = 30;
    bool makeInToken = false; // a new key made in the token; else the key the URI names
};

class RolloverDialog : public QDialog
{
    Q_OBJECT

public:
    // `current`: the identity being replaced; `holdsRoot`: whether this console has its root CA's key.
    RolloverDialog(const QString &current, bool holdsRoot, QWidget *parent = nullptr);
    RolloverRequest request() const;
    static std::optional<RolloverRequest> ask(const QString &current, bool holdsRoot, QWidget *parent);

private:
    QLineEdit *m_name = nullptr;
    QComboBox *m_algorithm = nullptr;
    QCheckBox *m_inToken = nullptr;
    QLineEdit *m_tokenUri = nullptr;
    QCheckBox *m_makeInToken = nullptr;
    QCheckBox *m_newRoot = nullptr;
    QSpinBox *m_overlap = nullptr;
};

// A key-algorithm chooser shared by the dialogs.
QComboBox *makeAlgorithmCombo(QWidget *parent);

} // namespace teep::ui
