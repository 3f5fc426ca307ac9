#include "attestation/trustvectordelegate.h"

#include <QPainter>

namespace teep::ui {

namespace {
constexpr std::array<const char *, 8> kShort{"ID", "CF", "EX", "FS", "HW", "RO", "SO", "SD"};
constexpr int kBoxWidth = 25;
constexpr int kGap = 2;
} // namespace

State stateForTier(attestation::Tier tier)
{
    switch (tier) {
    case attestation::Tier::Affirming:
        return State::Pass;
    case attestation::Tier::Warning:
        return State::Warn;
    case attestation::Tier::Contraindicated:
        return State::Fail;
    case attestation::Tier::None:
        break;
    }
    return State::Neutral;
}

QString trustClaimLabel(const char *name)
{
    QString label = QString::fromLatin1(name).replace(QLatin1Char('-'), QLatin1Char(' '));
    label[0] = label[0].toUpper();
    return label;
}

QString trustVectorText(const attestation::TrustVector &vector)
{
    QStringList parts;
    for (std::size_t i = 0; i < vector.claims.size(); ++i)
        parts << QStringLiteral("%1 %2").arg(QLatin1String(kShort[i])).arg(vector.claims[i].value);
    return parts.join(QStringLiteral("  "));
}

QString trustVectorToolTip(const attestation::TrustVector &vector)
{
    QStringList lines;
    for (const attestation::TrustClaim &claim : vector.claims)
        lines << QStringLiteral("%1: %2 (%3)%4")
                     .arg(trustClaimLabel(claim.name))
                     .arg(claim.value)
                     .arg(attestation::tierName(claim.tier()), claim.detail.isEmpty() ? QString() : QStringLiteral(" - ") + claim.detail);
    return lines.join(QLatin1Char('\n'));
}

void TrustVectorDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QStringList parts = index.data().toString().split(QStringLiteral("  "), Qt::SkipEmptyParts);
    if (parts.size() != int(kShort.size())) {
        QStyledItemDelegate::paint(painter, option, index); // not a trust vector: as text
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    option.widget ? option.widget->style()->drawControl(QStyle::CE_ItemViewItem, &background, painter, option.widget)
                  : QStyledItemDelegate::paint(painter, background, QModelIndex());
    painter->save();
    QFont font = option.font;
    font.setPointSizeF(font.pointSizeF() * 0.85);
    painter->setFont(font);
    const int height = option.rect.height() - 6;
    int x = option.rect.left() + 3;
    for (const QString &part : parts) {
        const int value = part.section(QLatin1Char(' '), 1).toInt();
        const State state = stateForTier(attestation::tierOf(value));
        const QRect box(x, option.rect.top() + 3, kBoxWidth, height);
        painter->setPen(Qt::NoPen);
        painter->setBrush(state == State::Neutral ? option.palette.color(QPalette::AlternateBase) : stateBackground(state, option.palette));
        painter->drawRoundedRect(box, 3, 3);
        painter->setPen(state == State::Neutral ? option.palette.color(QPalette::PlaceholderText) : stateForeground(state, option.palette));
        painter->drawText(box, Qt::AlignCenter, part.section(QLatin1Char(' '), 0, 0));
        x += kBoxWidth + kGap;
    }
    painter->restore();
}

QSize TrustVectorDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QSize text = QStyledItemDelegate::sizeHint(option, index);
    return {int(kShort.size()) * (kBoxWidth + kGap) + 6, qMax(text.height(), option.fontMetrics.height() + 8)};
}

} // namespace teep::ui
