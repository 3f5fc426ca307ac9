#include "helpdialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace teep::ui {

HelpDialog::HelpDialog(QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("user-guide"));
    setWindowTitle(tr("TEEP Console User Guide"));
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("user-guide-text"));
    m_browser->setOpenExternalLinks(false); // the guide links only within itself
    m_browser->setSource(QUrl(QStringLiteral("qrc:/guide/user-guide.html")));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_browser, 1);
    layout->addWidget(buttons);
    resize(720, 640);
}

QString HelpDialog::plainText() const
{
    return m_browser->toPlainText();
}

} // namespace teep::ui
