#include "uilogging.h"

Q_LOGGING_CATEGORY(lcUi, "teep.ui", QtInfoMsg)
