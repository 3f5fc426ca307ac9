#pragma once

#include <QDialog>

class QTextBrowser;

namespace teep::ui {

// Help > User Guide: the guide compiled into the program (resources/guide), in a window of its
// own that stays open beside the console while the operator follows it.
class HelpDialog : public QDialog
{
    Q_OBJECT

public:
    explicit HelpDialog(QWidget *parent = nullptr);

    // The guide's text as shown (for tests).
    QString plainText() const;

private:
    QTextBrowser *m_browser = nullptr;
};

} // namespace teep::ui
