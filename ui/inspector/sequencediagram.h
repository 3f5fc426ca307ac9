#pragma once

#include <QWidget>

namespace teep::ui {

// A sequence diagram of one session: lifelines for the TAM, the Broker (the device's HTTP side)
// and the TEE (OTrP) or TEEP Agent, and one arrow per message, top to bottom. Clicking an arrow
// (or Up/Down with the keyboard) selects it.
class SequenceDiagram : public QWidget
{
    Q_OBJECT

public:
    struct Arrow
    {
        bool toDevice = false;
        QString label;  // "QueryRequest", "GetDeviceStateResponse", ...
        QString detail; // size and verdict
        bool transportOnly = false; // an HTTP step (empty POST, 204) that is not a stored message
    };

    explicit SequenceDiagram(QWidget *parent = nullptr);

    void setSession(const QString &deviceSide, const QList<Arrow> &arrows);
    int selected() const { return m_selected; }
    void select(int index);
    int arrowCount() const { return int(m_arrows.size()); }
    const Arrow &arrow(int index) const { return m_arrows.at(index); }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void arrowSelected(int index);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    int rowTop(int index) const;

    QString m_deviceSide;
    QList<Arrow> m_arrows;
    int m_selected = -1;
};

} // namespace teep::ui
