#pragma once

#include "navigation.h"

#include <QWidget>

class QLabel;

namespace teep::ui {

// What a view shows while it has nothing to show: what is missing, what the view is for, and
// the next thing to do.
class EmptyStatePage : public QWidget
{
    Q_OBJECT

public:
    explicit EmptyStatePage(const PageInfo &info, QWidget *parent = nullptr);

    QString headline() const;
    QString nextStep() const;

private:
    QLabel *m_headline = nullptr;
    QLabel *m_nextStep = nullptr;
};

} // namespace teep::ui
