#include "inspector/sequencediagram.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

namespace teep::ui {

namespace {
constexpr int kHeader = 44;
constexpr int kRow = 46;
constexpr int kMargin = 16;
} // namespace

SequenceDiagram::SequenceDiagram(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("sequence-diagram"));
    setAccessibleName(tr("Message sequence"));
    setFocusPolicy(Qt::StrongFocus);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void SequenceDiagram::setSession(const QString &deviceSide, const QList<Arrow> &arrows)
{
    m_deviceSide = deviceSide;
    m_arrows = arrows;
    m_selected = -1;
    updateGeometry();
    update();
}

void SequenceDiagram::select(int index)
{
    if (index < 0 || index >= m_arrows.size() || index == m_selected)
        return;
    m_selected = index;
    update();
    emit arrowSelected(index);
}

QSize SequenceDiagram::sizeHint() const
{
    return {520, kHeader + kRow * int(m_arrows.size()) + kMargin};
}

QSize SequenceDiagram::minimumSizeHint() const
{
    return {360, kHeader + kRow};
}

int SequenceDiagram::rowTop(int index) const
{
    return kHeader + index * kRow;
}

void SequenceDiagram::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette &pal = palette();
    const int width = this->width();
    const int x[3] = {kMargin + (width - 2 * kMargin) / 6, width / 2, width - kMargin - (width - 2 * kMargin) / 6};
    const QString names[3] = {tr("TAM"), tr("Broker (HTTP)"), m_deviceSide};

    // Lifelines with their names in boxes.
    QFont bold = font();
    bold.setBold(true);
    for (int i = 0; i < 3; ++i) {
        painter.setFont(bold);
        const int boxWidth = painter.fontMetrics().horizontalAdvance(names[i]) + 20;
        const QRect box(x[i] - boxWidth / 2, 8, boxWidth, 26);
        painter.setPen(pal.color(QPalette::Mid));
        painter.setBrush(pal.color(QPalette::AlternateBase));
        painter.drawRoundedRect(box, 4, 4);
        painter.setPen(pal.color(QPalette::Text));
        painter.drawText(box, Qt::AlignCenter, names[i]);
        painter.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DashLine));
        painter.drawLine(x[i], box.bottom(), x[i], height() - 4);
    }
    painter.setFont(font());
    for (int index = 0; index < m_arrows.size(); ++index) {
        const Arrow &arrow = m_arrows.at(index);
        const int top = rowTop(index);
        if (index == m_selected) {
            painter.setPen(Qt::NoPen);
            painter.setBrush(pal.color(QPalette::Highlight).lighter(pal.color(QPalette::Base).lightness() > 128 ? 170 : 60));
            painter.drawRect(QRect(2, top + 2, width - 4, kRow - 4));
        }
        // Device messages cross the Broker; HTTP-only steps go between the Broker and the TAM.
        const int from = arrow.toDevice ? x[0] : (arrow.transportOnly ? x[1] : x[2]);
        const int to = arrow.toDevice ? (arrow.transportOnly ? x[1] : x[2]) : x[0];
        const int y = top + kRow - 14;
        const QColor color = arrow.transportOnly ? pal.color(QPalette::PlaceholderText) : pal.color(QPalette::Text);
        painter.setPen(QPen(color, arrow.transportOnly ? 1 : 2, arrow.transportOnly ? Qt::DashLine : Qt::SolidLine));
        painter.drawLine(from, y, to, y);
        const int direction = to > from ? -1 : 1;
        QPainterPath head;
        head.moveTo(to, y);
        head.lineTo(to + direction * 9, y - 5);
        head.lineTo(to + direction * 9, y + 5);
        head.closeSubpath();
        painter.fillPath(head, color);
        painter.setPen(index == m_selected ? pal.color(QPalette::Text) : color);
        const QRect labelBox(qMin(from, to) + 8, top + 4, qAbs(to - from) - 16, kRow - 20);
        const QString text = arrow.detail.isEmpty() ? arrow.label : QStringLiteral("%1   %2").arg(arrow.label, arrow.detail);
        painter.drawText(labelBox, Qt::AlignHCenter | Qt::AlignBottom, painter.fontMetrics().elidedText(text, Qt::ElideRight, labelBox.width()));
    }
    if (hasFocus() && m_selected >= 0) {
        painter.setPen(QPen(pal.color(QPalette::Highlight), 1, Qt::DotLine));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(QRect(2, rowTop(m_selected) + 2, width - 5, kRow - 5));
    }
}

void SequenceDiagram::mousePressEvent(QMouseEvent *event)
{
    const int index = (int(event->position().y()) - kHeader) / kRow;
    if (event->position().y() >= kHeader && index < m_arrows.size())
        select(index);
    setFocus();
}

void SequenceDiagram::keyPressEvent(QKeyEvent *event)
{
    if (event->key() == Qt::Key_Down)
        select(qMin(m_selected + 1, int(m_arrows.size()) - 1));
    else if (event->key() == Qt::Key_Up)
        select(qMax(m_selected - 1, 0));
    else
        QWidget::keyPressEvent(event);
}

} // namespace teep::ui
