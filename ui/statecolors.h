#pragma once

#include "crypto/certificate.h"

#include <QColor>
#include <QPalette>

namespace teep::ui {

// Pass / warn / fail colours that stay readable on light and dark palettes.
enum class State { Pass, Warn, Fail, Neutral };

QColor stateForeground(State state, const QPalette &palette);
QColor stateBackground(State state, const QPalette &palette);
State stateForValidity(crypto::Validity validity);
QString validityText(crypto::Validity validity);

} // namespace teep::ui
