#include "emptystatepage.h"

#include <QIcon>
#include <QLabel>
#include <QVBoxLayout>

namespace teep::ui {

namespace {
QLabel *wrappedLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignHCenter);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}
} // namespace

EmptyStatePage::EmptyStatePage(const PageInfo &info, QWidget *parent) : QWidget(parent)
{
    setObjectName(info.key + QStringLiteral("-page"));
    setAccessibleName(info.title);

    // The style's stock icons are drawn for menus and do not scale up; the product logo does.
    auto *icon = new QLabel(this);
    icon->setObjectName(QStringLiteral("empty-state-icon"));
    icon->setPixmap(QIcon(QStringLiteral(":/icons/teep-console.png")).pixmap(72, 72));
    icon->setAlignment(Qt::AlignHCenter);

    m_headline = wrappedLabel(info.headline, this);
    m_headline->setObjectName(QStringLiteral("headline"));
    QFont headlineFont = m_headline->font();
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.5);
    headlineFont.setBold(true);
    m_headline->setFont(headlineFont);

    auto *body = wrappedLabel(info.body, this);
    body->setObjectName(QStringLiteral("body"));

    m_nextStep = wrappedLabel(tr("<b>Next step:</b> %1").arg(info.nextStep.toHtmlEscaped()), this);
    m_nextStep->setObjectName(QStringLiteral("next-step"));
    m_nextStep->setTextFormat(Qt::RichText);

    auto *column = new QVBoxLayout;
    column->addStretch(2);
    column->addWidget(icon);
    column->addSpacing(12);
    column->addWidget(m_headline);
    column->addSpacing(6);
    column->addWidget(body);
    column->addSpacing(12);
    column->addWidget(m_nextStep);
    column->addStretch(3);

    // Keep the text at a readable width on wide windows.
    auto *row = new QHBoxLayout(this);
    row->addStretch(1);
    row->addLayout(column, 4);
    row->addStretch(1);
}

QString EmptyStatePage::headline() const
{
    return m_headline->text();
}

QString EmptyStatePage::nextStep() const
{
    return m_nextStep->text();
}

} // namespace teep::ui
