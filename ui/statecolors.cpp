#include "statecolors.h"

namespace teep::ui {

namespace {
bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}
} // namespace

QColor stateForeground(State state, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (state) {
    case State::Pass:
        return dark ? QColor(0x7d, 0xd8, 0x8a) : QColor(0x1b, 0x6e, 0x2a);
    case State::Warn:
        return dark ? QColor(0xf2, 0xc9, 0x4c) : QColor(0x8a, 0x5a, 0x00);
    case State::Fail:
        return dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb0, 0x1e, 0x1e);
    case State::Neutral:
        break;
    }
    return palette.color(QPalette::Text);
}

QColor stateBackground(State state, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (state) {
    case State::Pass:
        return dark ? QColor(0x1e, 0x3a, 0x24) : QColor(0xe3, 0xf4, 0xe6);
    case State::Warn:
        return dark ? QColor(0x45, 0x38, 0x10) : QColor(0xfd, 0xf3, 0xd6);
    case State::Fail:
        return dark ? QColor(0x4a, 0x1c, 0x1c) : QColor(0xfb, 0xe3, 0xe3);
    case State::Neutral:
        break;
    }
    return palette.color(QPalette::Base);
}

State stateForValidity(crypto::Validity validity)
{
    switch (validity) {
    case crypto::Validity::Valid:
        return State::Pass;
    case crypto::Validity::ExpiresSoon:
        return State::Warn;
    case crypto::Validity::Expired:
    case crypto::Validity::NotYetValid:
        return State::Fail;
    }
    return State::Neutral;
}

QString validityText(crypto::Validity validity)
{
    switch (validity) {
    case crypto::Validity::Valid:
        return QObject::tr("valid");
    case crypto::Validity::ExpiresSoon:
        return QObject::tr("expires within 30 days");
    case crypto::Validity::Expired:
        return QObject::tr("expired");
    case crypto::Validity::NotYetValid:
        return QObject::tr("not yet valid");
    }
    return {};
}

} // namespace teep::ui
