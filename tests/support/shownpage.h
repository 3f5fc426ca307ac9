#pragma once

#include <QStackedWidget>
#include <QTabWidget>

namespace teep::test {

// Brings a page to the front of every tab and stack it sits in, as an operator's clicks would:
// views read the database when they are shown (ui::LazyPage), not while hidden.
template <typename Page>
Page *shown(Page *page)
{
    for (QWidget *widget = page; widget && widget->parentWidget(); widget = widget->parentWidget()) {
        auto *stack = qobject_cast<QStackedWidget *>(widget->parentWidget());
        if (!stack)
            continue;
        if (auto *tabs = qobject_cast<QTabWidget *>(stack->parentWidget()))
            tabs->setCurrentWidget(widget);
        else
            stack->setCurrentWidget(widget);
    }
    return page;
}

} // namespace teep::test
