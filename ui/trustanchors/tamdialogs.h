#pragma once

#include "tam/tamidentity.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QComboBox;
class QLineEdit;

namespace teep::ui {

// The choices for a new TAM identity: name, TAM id, organisation, key algorithm, demo flag.
class GenerateTamDialog : public QDialog
{
    Q_OBJECT

public:
    explicit GenerateTamDialog(QWidget *parent = nullptr);
    tam::GenerateOptions options() const;
    static std::optional<tam::GenerateOptions> ask(QWidget *parent);

private:
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

// A key-algorithm chooser shared by both dialogs.
QComboBox *makeAlgorithmCombo(QWidget *parent);

} // namespace teep::ui
