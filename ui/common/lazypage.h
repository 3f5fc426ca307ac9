#pragma once

#include <QWidget>

namespace teep::ui {

// A view that reads the database only while it is shown: a change (Workspace::dataChanged) reloads
// a visible view at once and marks a hidden one stale, to be reloaded when it is next shown. The
// console opens fast on a large fleet because only the current view loads.
class LazyPage : public QWidget
{
    Q_OBJECT

public:
    using QWidget::QWidget;

    virtual void reload() = 0;
    void refresh()
    {
        if (isVisible())
            reload();
        else
            m_stale = true;
    }

protected:
    void showEvent(QShowEvent *event) override
    {
        if (m_stale) {
            m_stale = false;
            reload();
        }
        QWidget::showEvent(event);
    }

private:
    bool m_stale = true;
};

} // namespace teep::ui
