#pragma once

#include <QPalette>
#include <QString>

namespace teep::ui {

// The console's light and dark palettes (Fusion style, so that every platform draws them the
// same), or the system's. The choice is kept in the settings (appearance/theme).
enum class Theme { System, Light, Dark };

QString themeName(Theme theme); // "system", "light", "dark"
Theme themeFromName(const QString &name);
QPalette themePalette(Theme theme);
void applyTheme(Theme theme);
Theme savedTheme();
void saveTheme(Theme theme);

} // namespace teep::ui
