#include "devices/batchreport.h"

#include <QBuffer>
#include <QHash>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>

namespace teep::ui {

namespace {

QString escaped(const QString &text)
{
    return text.toHtmlEscaped();
}

QString orNone(const QString &text, const QString &none)
{
    return text.isEmpty() ? none : escaped(text);
}

QString stateColour(tam::BatchState state)
{
    switch (state) {
    case tam::BatchState::Provisioned:
        return QStringLiteral("#1b7a2e");
    case tam::BatchState::Failed:
        return QStringLiteral("#b3261e");
    case tam::BatchState::Waiting:
        break;
    }
    return QStringLiteral("#555555");
}

} // namespace

QString batchReportHtml(const BatchReportHeading &heading, const tam::BatchProgress &progress, const QList<tam::ReportRow> &rows)
{
    QString html;
    html += QStringLiteral("<html><head><meta charset=\"utf-8\"><style>"
                           "body{font-family:sans-serif;font-size:9pt} h1{font-size:15pt} h2{font-size:11pt;margin-top:12pt}"
                           "td,th{padding:2pt 6pt 2pt 0} th{text-align:left}"
                           "</style></head><body>");
    html += QStringLiteral("<h1>Provisioning record: %1</h1>").arg(escaped(heading.batch));
    html += QStringLiteral("<p>Printed by %1 at %2 UTC.</p>").arg(escaped(heading.printedBy), escaped(heading.printedAt));
    html += QStringLiteral("<table><tr><th>Devices</th><td>%1</td></tr><tr><th>Provisioned</th><td>%2</td></tr>"
                           "<tr><th>Failed</th><td>%3</td></tr><tr><th>Waiting for first contact</th><td>%4</td></tr></table>")
                .arg(progress.total())
                .arg(progress.provisioned)
                .arg(progress.failed)
                .arg(progress.waiting);

    QHash<QString, const tam::BatchDevice *> states;
    for (const tam::BatchDevice &device : progress.devices)
        states.insert(device.device, &device);
    QString current;
    for (const tam::ReportRow &row : rows) {
        if (row.device != current) {
            if (!current.isEmpty())
                html += QStringLiteral("</table>");
            current = row.device;
            const tam::BatchDevice *state = states.value(row.device);
            const tam::BatchState batchState = state ? state->state : tam::BatchState::Waiting;
            html += QStringLiteral("<h2>%1 <span style=\"color:%2\">(%3)</span></h2>")
                        .arg(escaped(row.device), stateColour(batchState), tam::batchStateName(batchState));
            html += QStringLiteral("<table>");
            html += QStringLiteral("<tr><th>Serial</th><td>%1</td></tr>").arg(orNone(row.serial, QStringLiteral("-")));
            html += QStringLiteral("<tr><th>Group</th><td>%1</td></tr>").arg(orNone(row.group, QStringLiteral("-")));
            html += QStringLiteral("<tr><th>Identity</th><td>%1</td></tr>").arg(orNone(row.identity, QStringLiteral("-")));
            html += QStringLiteral("<tr><th>Registered by</th><td>%1</td></tr>").arg(orNone(row.registeredBy, QStringLiteral("-")));
            html += QStringLiteral("<tr><th>Last contact (UTC)</th><td>%1</td></tr>").arg(orNone(row.lastContact, QStringLiteral("never")));
            html += QStringLiteral("<tr><th>Last outcome</th><td>%1</td></tr>").arg(orNone(row.lastOutcome, QStringLiteral("-")));
            if (state && !state->why.isEmpty() && state->why != row.lastOutcome)
                html += QStringLiteral("<tr><th>Why failed</th><td style=\"color:#b3261e\">%1</td></tr>").arg(escaped(state->why));
        }
        if (row.tee.isEmpty())
            continue;
        html += QStringLiteral("<tr><th>TEE %1</th><td>%2, attestation %3</td></tr>")
                    .arg(escaped(row.tee), escaped(row.protocol), orNone(row.attestation, QStringLiteral("none yet")));
        html += QStringLiteral("<tr><th>&nbsp;&nbsp;Installed</th><td>%1</td></tr>").arg(orNone(row.installed, QStringLiteral("nothing")));
        if (!row.refused.isEmpty())
            html += QStringLiteral("<tr><th>&nbsp;&nbsp;Refused</th><td style=\"color:#b3261e\">%1</td></tr>").arg(escaped(row.refused));
    }
    if (!current.isEmpty())
        html += QStringLiteral("</table>");
    else
        html += QStringLiteral("<p>No device is in this batch.</p>");
    html += QStringLiteral("</body></html>");
    return html;
}

Result<QByteArray> batchReportPdf(const BatchReportHeading &heading, const tam::BatchProgress &progress, const QList<tam::ReportRow> &rows)
{
    QByteArray pdf;
    QBuffer buffer(&pdf);
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setTitle(QStringLiteral("Provisioning record: %1").arg(heading.batch));
        writer.setCreator(QStringLiteral("TEEP Console"));
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
        QTextDocument document;
        document.setHtml(batchReportHtml(heading, progress, rows));
        document.print(&writer);
    }
    if (pdf.isEmpty() || !pdf.startsWith("%PDF"))
        return Error{QStringLiteral("ui.write"), QStringLiteral("the PDF could not be made")};
    return pdf;
}

} // namespace teep::ui
