#pragma once

#include "common/error.h"
#include "tam/batchprogress.h"
#include "tam/provisioningreport.h"

#include <QByteArray>
#include <QString>

// The printable record of a batch, for a factory's files: a summary (what the batch is, who
// printed it and when, how many devices were provisioned, failed or still wait), then one record
// per device: serial, group, who registered it, each TEE with its protocol, attestation tier,
// installed and refused TAs, last contact and outcome. As PDF (Qt's PDF writer, A4).
namespace teep::ui {

struct BatchReportHeading
{
    QString batch;    // e.g. "group line-2" or "all devices"
    QString printedBy;
    QString printedAt; // UTC, ISO 8601
};

QString batchReportHtml(const BatchReportHeading &heading, const tam::BatchProgress &progress, const QList<tam::ReportRow> &rows);
// Safe on an Operation's thread: it paints on a PDF writer, never on a window.
Result<QByteArray> batchReportPdf(const BatchReportHeading &heading, const tam::BatchProgress &progress, const QList<tam::ReportRow> &rows);

} // namespace teep::ui
