#include "attestation/sgxcollateral.h"

#include "crypto/chainverifier.h"
#include "crypto/pkiformats.h"
#include "crypto/signature.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QtEndian>

#include <nlohmann/json.hpp>

namespace teep::attestation::sgx {

namespace {

using json = nlohmann::json;

constexpr int kMaxLevels = 256;
constexpr int kMaxAdvisories = 128;

Error bad(const QString &file, const QString &why)
{
    return Error{QStringLiteral("sgx.bad-collateral"), why, file};
}

// The exact text of a top-level member's value: what Intel signs is the bytes of the "tcbInfo" or
// "enclaveIdentity" object as they stand in the file, not any re-serialization of it. The text
// parsed as JSON already; this only finds where the member's value starts and ends.
std::optional<QByteArray> memberText(const QByteArray &text, const QByteArray &name)
{
    int depth = 0;
    bool inString = false;
    qsizetype keyStart = -1;
    QByteArray lastKey;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text.at(i);
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"') {
                inString = false;
                if (depth == 1)
                    lastKey = text.mid(keyStart + 1, i - keyStart - 1);
            }
            continue;
        }
        if (c == '"') {
            inString = true;
            keyStart = i;
        } else if (c == '{' || c == '[') {
            if (depth == 1 && c == '{' && lastKey == name) {
                // The value starts here: find its matching brace.
                int inner = 0;
                bool quoted = false;
                for (qsizetype j = i; j < text.size(); ++j) {
                    const char d = text.at(j);
                    if (quoted) {
                        if (d == '\\')
                            ++j;
                        else if (d == '"')
                            quoted = false;
                    } else if (d == '"') {
                        quoted = true;
                    } else if (d == '{' || d == '[') {
                        ++inner;
                    } else if ((d == '}' || d == ']') && --inner == 0) {
                        return text.mid(i, j - i + 1);
                    }
                }
                return std::nullopt;
            }
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (c == ',' && depth == 1) {
            lastKey.clear();
        }
    }
    return std::nullopt;
}

QDateTime dateOf(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QDateTime::fromString(QString::fromStdString(it->get<std::string>()), Qt::ISODate) : QDateTime();
}

QString textOf(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

std::optional<int> intOf(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer() || it->get<qint64>() < 0 || it->get<qint64>() > 0x7fffffff)
        return std::nullopt;
    return it->get<int>();
}

QByteArray hexOf(const json &object, const char *key, int size)
{
    const QByteArray bytes = QByteArray::fromHex(textOf(object, key).toLatin1());
    return bytes.size() == size ? bytes : QByteArray();
}

Result<QList<TcbLevel>> levelsOf(const json &body, const QString &file, bool platform)
{
    const auto levels = body.find("tcbLevels");
    if (levels == body.end() || !levels->is_array() || levels->empty() || levels->size() > kMaxLevels)
        return bad(file, QStringLiteral("tcbLevels: 1 to %1 levels expected").arg(kMaxLevels));
    QList<TcbLevel> out;
    for (std::size_t n = 0; n < levels->size(); ++n) {
        const json &level = (*levels)[n];
        const QString where = QStringLiteral("tcbLevels[%1]").arg(n);
        if (!level.is_object() || !level.contains("tcb") || !level["tcb"].is_object())
            return bad(file, where + QStringLiteral(": no tcb object"));
        const json &tcb = level["tcb"];
        TcbLevel read;
        read.status = textOf(level, "tcbStatus");
        read.tcbDate = textOf(level, "tcbDate");
        if (read.status.isEmpty())
            return bad(file, where + QStringLiteral(": no tcbStatus"));
        if (const auto advisories = level.find("advisoryIDs"); advisories != level.end() && advisories->is_array()) {
            for (std::size_t a = 0; a < advisories->size() && a < kMaxAdvisories; ++a) {
                if ((*advisories)[a].is_string())
                    read.advisories << QString::fromStdString((*advisories)[a].get<std::string>());
            }
        }
        if (!platform) {
            const std::optional<int> isvSvn = intOf(tcb, "isvsvn");
            if (!isvSvn)
                return bad(file, where + QStringLiteral(".tcb: no isvsvn"));
            read.isvSvn = *isvSvn;
        } else {
            const std::optional<int> pceSvn = intOf(tcb, "pcesvn");
            if (!pceSvn)
                return bad(file, where + QStringLiteral(".tcb: no pcesvn"));
            read.pceSvn = *pceSvn;
            // Version 3 lists the components; version 2 names them sgxtcbcomp01svn..16.
            const auto components = tcb.find("sgxtcbcomponents");
            for (int i = 0; i < 16; ++i) {
                std::optional<int> svn;
                if (components != tcb.end() && components->is_array() && components->size() == 16)
                    svn = intOf((*components)[std::size_t(i)], "svn");
                else
                    svn = intOf(tcb, QStringLiteral("sgxtcbcomp%1svn").arg(i + 1, 2, 10, QLatin1Char('0')).toLatin1().constData());
                if (!svn)
                    return bad(file, where + QStringLiteral(".tcb: component %1 has no svn").arg(i + 1));
                read.components[std::size_t(i)] = *svn;
            }
        }
        out << read;
    }
    return out;
}

// The signature over a signed body, by a certificate of the collateral that chains to the roots.
Result<crypto::Certificate> signedBy(const QByteArray &body, const QString &signatureHex, const QList<crypto::Certificate> &certificates,
                                     const QList<crypto::Certificate> &roots, const Clock &clock, const QString &file)
{
    const QByteArray signature = QByteArray::fromHex(signatureHex.toLatin1());
    if (signature.size() != 64)
        return bad(file, QStringLiteral("signature: 64 bytes (r || s, hex) expected"));
    const crypto::ChainVerifier verifier(roots, clock);
    QString chainProblem;
    for (const crypto::Certificate &certificate : certificates + roots) {
        if (!crypto::verifyRaw(certificate.publicKey(), crypto::SignatureScheme::EcdsaP256Sha256, body, signature))
            continue;
        const crypto::ChainResult chain = verifier.verify(certificate, certificates);
        if (chain.ok)
            return certificate;
        chainProblem = chain.message;
    }
    return bad(file, chainProblem.isEmpty() ? QStringLiteral("the signature is by no certificate given with it (the Intel SGX TCB Signing certificate, in a .pem file)")
                                            : QStringLiteral("signed by a certificate that does not chain to the TEE root store: %1").arg(chainProblem));
}

Result<TcbInfo> readTcbInfo(const json &body)
{
    TcbInfo info;
    info.version = intOf(body, "version").value_or(0);
    info.fmspc = textOf(body, "fmspc").toLower();
    info.pceId = textOf(body, "pceId").toLower();
    info.issueDate = dateOf(body, "issueDate");
    info.nextUpdate = dateOf(body, "nextUpdate");
    info.evaluationDataNumber = intOf(body, "tcbEvaluationDataNumber").value_or(0);
    if (info.version != 2 && info.version != 3)
        return bad(QString(), QStringLiteral("tcbInfo version %1; versions 2 and 3 are read").arg(info.version));
    if (QByteArray::fromHex(info.fmspc.toLatin1()).size() != 6 || !info.issueDate.isValid() || !info.nextUpdate.isValid())
        return bad(QString(), QStringLiteral("tcbInfo needs fmspc (6 bytes, hex), issueDate and nextUpdate"));
    const Result<QList<TcbLevel>> levels = levelsOf(body, QString(), true);
    if (!levels)
        return levels.error();
    info.levels = levels.value();
    return info;
}

Result<QeIdentity> readQeIdentity(const json &body)
{
    QeIdentity identity;
    identity.id = textOf(body, "id");
    identity.issueDate = dateOf(body, "issueDate");
    identity.nextUpdate = dateOf(body, "nextUpdate");
    const QByteArray misc = hexOf(body, "miscselect", 4);
    const QByteArray miscMask = hexOf(body, "miscselectMask", 4);
    identity.attributes = hexOf(body, "attributes", 16);
    identity.attributesMask = hexOf(body, "attributesMask", 16);
    identity.mrSigner = hexOf(body, "mrsigner", 32);
    identity.isvProdId = intOf(body, "isvprodid").value_or(-1);
    if (misc.isEmpty() || miscMask.isEmpty() || identity.attributes.isEmpty() || identity.attributesMask.isEmpty() || identity.mrSigner.isEmpty() ||
        identity.isvProdId < 0 || !identity.issueDate.isValid() || !identity.nextUpdate.isValid())
        return bad(QString(), QStringLiteral("enclaveIdentity needs miscselect(Mask), attributes(Mask), mrsigner, isvprodid, issueDate and nextUpdate"));
    // Written as hex of the little-endian bytes, as the report holds them.
    identity.miscSelect = qFromLittleEndian<quint32>(misc.constData());
    identity.miscSelectMask = qFromLittleEndian<quint32>(miscMask.constData());
    const Result<QList<TcbLevel>> levels = levelsOf(body, QString(), false);
    if (!levels)
        return levels.error();
    identity.levels = levels.value();
    return identity;
}

Error inFile(const Error &error, const QString &file)
{
    return Error{error.code, error.message, error.where.isEmpty() ? file : file + QStringLiteral(": ") + error.where};
}

QString dateText(const QDateTime &date)
{
    return date.toUTC().toString(Qt::ISODate);
}

} // namespace

QString collateralKindName(CollateralItem::Kind kind)
{
    switch (kind) {
    case CollateralItem::Kind::TcbInfo:
        return QStringLiteral("tcb-info");
    case CollateralItem::Kind::QeIdentity:
        return QStringLiteral("qe-identity");
    case CollateralItem::Kind::Crl:
        return QStringLiteral("crl");
    case CollateralItem::Kind::Certificates:
        break;
    }
    return QStringLiteral("certificates");
}

Result<QList<std::pair<QString, QByteArray>>> readCollateralFiles(const QString &path)
{
    const QFileInfo info(path);
    QStringList paths;
    if (info.isDir()) {
        const QDir dir(path);
        for (const QString &name : dir.entryList({QStringLiteral("*.json"), QStringLiteral("*.pem"), QStringLiteral("*.crt"), QStringLiteral("*.cer"),
                                                  QStringLiteral("*.crl"), QStringLiteral("*.der")},
                                                 QDir::Files, QDir::Name))
            paths << dir.filePath(name);
    } else if (info.isFile()) {
        paths << path;
    } else {
        return Error{QStringLiteral("sgx.no-collateral"), QStringLiteral("no such file or directory"), path};
    }
    if (paths.isEmpty())
        return Error{QStringLiteral("sgx.no-collateral"), QStringLiteral("no collateral files (*.json, *.pem, *.crt, *.cer, *.crl, *.der)"), path};
    if (paths.size() > kMaxCollateralFiles)
        return Error{QStringLiteral("sgx.no-collateral"), QStringLiteral("%1 files: at most %2 are read").arg(paths.size()).arg(kMaxCollateralFiles), path};
    QList<std::pair<QString, QByteArray>> files;
    for (const QString &file : paths) {
        QFile in(file);
        if (QFileInfo(file).size() > kMaxCollateralFileSize)
            return bad(file, QStringLiteral("larger than %1 bytes").arg(kMaxCollateralFileSize));
        if (!in.open(QIODevice::ReadOnly))
            return bad(file, in.errorString());
        files.append({QFileInfo(file).fileName(), in.read(kMaxCollateralFileSize + 1)});
    }
    return files;
}

Result<Collateral> readCollateral(const QList<std::pair<QString, QByteArray>> &files, const QList<crypto::Certificate> &roots, const Clock &clock)
{
    if (files.size() > kMaxCollateralFiles)
        return bad(QString(), QStringLiteral("%1 files: at most %2").arg(files.size()).arg(kMaxCollateralFiles));
    Collateral out;
    // Certificates first: they sign the rest. A CRL in PEM is not a certificate; tell them apart.
    QList<const std::pair<QString, QByteArray> *> rest;
    QList<std::pair<QString, QList<crypto::Certificate>>> certificateFiles;
    for (const auto &file : files) {
        if (file.second.size() > kMaxCollateralFileSize)
            return bad(file.first, QStringLiteral("larger than %1 bytes").arg(kMaxCollateralFileSize));
        if (file.second.contains("-----BEGIN CERTIFICATE-----")) {
            const Result<QList<crypto::Certificate>> certificates = crypto::parseCertificates(file.second);
            if (!certificates)
                return inFile(certificates.error(), file.first);
            QStringList subjects;
            for (const crypto::Certificate &certificate : certificates.value())
                subjects << certificate.commonName();
            out.certificates << certificates.value();
            certificateFiles.append({file.first, certificates.value()});
            out.items << CollateralItem{CollateralItem::Kind::Certificates, file.first, file.second, subjects.join(QStringLiteral(", ")), {}, {}};
        } else {
            rest << &file;
        }
    }
    const crypto::ChainVerifier verifier(roots, clock);
    // Certificates are kept only when they chain to the TEE root store (with each other's help).
    for (const auto &[source, certificates] : certificateFiles) {
        for (const crypto::Certificate &certificate : certificates) {
            const crypto::ChainResult chain = verifier.verify(certificate, out.certificates);
            if (!chain.ok)
                return bad(source, QStringLiteral("%1 does not chain to the TEE root store (is the Intel SGX Root CA imported?): %2")
                                       .arg(certificate.commonName(), chain.message));
        }
    }
    for (const auto *file : rest) {
        const QByteArray &content = file->second;
        if (content.trimmed().startsWith('{')) {
            const json parsed = json::parse(content.constData(), content.constData() + content.size(), nullptr, false);
            if (parsed.is_discarded() || !parsed.is_object())
                return bad(file->first, QStringLiteral("not JSON"));
            const bool isTcb = parsed.contains("tcbInfo");
            const char *member = isTcb ? "tcbInfo" : "enclaveIdentity";
            if (!parsed.contains(member) || !parsed[member].is_object() || !parsed.contains("signature") || !parsed["signature"].is_string())
                return bad(file->first, QStringLiteral("neither TCB info ({\"tcbInfo\": ..., \"signature\": ...}) nor a QE identity ({\"enclaveIdentity\": ...})"));
            const std::optional<QByteArray> body = memberText(content, member);
            if (!body)
                return bad(file->first, QStringLiteral("%1: its text could not be found").arg(QLatin1String(member)));
            const Result<crypto::Certificate> signer =
                signedBy(*body, QString::fromStdString(parsed["signature"].get<std::string>()), out.certificates, roots, clock, file->first);
            if (!signer)
                return signer.error();
            // What is read is the text that was signed (a second member of the same name elsewhere in
            // the file is not what the parser's last-one-wins would make it).
            const json signedBody = json::parse(body->constData(), body->constData() + body->size(), nullptr, false);
            if (!signedBody.is_object())
                return bad(file->first, QStringLiteral("%1: not a JSON object").arg(QLatin1String(member)));
            if (isTcb) {
                const Result<TcbInfo> info = readTcbInfo(signedBody);
                if (!info)
                    return inFile(info.error(), file->first);
                out.tcbInfos << info.value();
                out.items << CollateralItem{CollateralItem::Kind::TcbInfo, file->first, content, QStringLiteral("FMSPC %1").arg(info.value().fmspc),
                                            info.value().issueDate, info.value().nextUpdate};
            } else {
                const Result<QeIdentity> identity = readQeIdentity(signedBody);
                if (!identity)
                    return inFile(identity.error(), file->first);
                out.qeIdentities << identity.value();
                out.items << CollateralItem{CollateralItem::Kind::QeIdentity, file->first, content, identity.value().id, identity.value().issueDate,
                                            identity.value().nextUpdate};
            }
            continue;
        }
        const Result<crypto::Crl> crl = crypto::Crl::fromPemOrDer(content);
        if (!crl)
            return bad(file->first, QStringLiteral("neither certificates, TCB info, a QE identity nor a CRL: %1").arg(crl.error().message));
        // A CRL counts once its issuer, a certificate that chains to the roots, signed it.
        bool verified = false;
        for (const crypto::Certificate &issuer : out.certificates + roots) {
            if (crl.value().isSignedBy(issuer.publicKey()) && verifier.verify(issuer, out.certificates).ok) {
                verified = true;
                break;
            }
        }
        if (!verified)
            return bad(file->first, QStringLiteral("the CRL of %1 is signed by no certificate that chains to the TEE root store "
                                                      "(give its issuer's chain, Intel's SGX-PCK-CRL-Issuer-Chain, as a .pem beside it)")
                                           .arg(crl.value().issuer()));
        out.crls << crl.value();
        out.items << CollateralItem{CollateralItem::Kind::Crl, file->first, content, crl.value().issuer(), crl.value().thisUpdate(), crl.value().nextUpdate()};
    }
    return out;
}

TcbGrade tcbGrade(const QString &status)
{
    if (status == QLatin1String("UpToDate"))
        return TcbGrade::UpToDate;
    if (status == QLatin1String("Revoked"))
        return TcbGrade::Revoked;
    return TcbGrade::Degraded; // SWHardeningNeeded, ConfigurationNeeded, OutOfDate, ...: known weaknesses
}

TcbVerdict platformTcb(const Collateral &collateral, const PckExtensions &pck, const QDateTime &now)
{
    const QString fmspc = QString::fromLatin1(pck.fmspc.toHex());
    const TcbInfo *info = nullptr;
    for (const TcbInfo &candidate : collateral.tcbInfos) {
        if (candidate.fmspc == fmspc && (!info || candidate.issueDate > info->issueDate))
            info = &candidate;
    }
    if (!info)
        return {false, false, QString(), QStringLiteral("no TCB info for FMSPC %1 (Intel's TCB info for the platform family: teepctl attestation collateral import DIR)").arg(fmspc)};
    if (!info->pceId.isEmpty() && info->pceId != QString::fromLatin1(pck.pceId.toHex()))
        return {false, false, QString(), QStringLiteral("the TCB info for FMSPC %1 is for PCE %2, the PCK certificate's is %3").arg(fmspc, info->pceId, QString::fromLatin1(pck.pceId.toHex()))};
    const QString stale = info->nextUpdate < now ? QStringLiteral(" (the TCB info is past its next update, %1: import a newer one)").arg(dateText(info->nextUpdate)) : QString();
    for (const TcbLevel &level : info->levels) {
        bool atLeast = pck.pceSvn >= level.pceSvn;
        for (std::size_t i = 0; i < 16 && atLeast; ++i)
            atLeast = pck.tcbComponents[i] >= level.components[i];
        if (!atLeast)
            continue;
        QString detail = QStringLiteral("platform TCB %1 (FMSPC %2, level of %3, evaluation %4)").arg(level.status, fmspc, level.tcbDate).arg(info->evaluationDataNumber);
        if (!level.advisories.isEmpty())
            detail += QStringLiteral("; advisories %1").arg(level.advisories.join(QStringLiteral(", ")));
        return {true, !stale.isEmpty(), level.status, detail + stale};
    }
    return {true, !stale.isEmpty(), QStringLiteral("Revoked"),
            QStringLiteral("the platform's TCB (PCE SVN %1) is below every level the TCB info for FMSPC %2 lists").arg(pck.pceSvn).arg(fmspc) + stale};
}

TcbVerdict quotingEnclaveTcb(const Collateral &collateral, const ReportBody &qeReport, const QDateTime &now)
{
    const QeIdentity *identity = nullptr;
    for (const QeIdentity &candidate : collateral.qeIdentities) {
        if (!identity || candidate.issueDate > identity->issueDate)
            identity = &candidate;
    }
    if (!identity)
        return {false, false, QString(), QStringLiteral("no QE identity (Intel's identity of the Quoting Enclave: teepctl attestation collateral import DIR)")};
    QByteArray maskedAttributes = qeReport.attributes;
    QByteArray expectedAttributes = identity->attributes;
    for (int i = 0; i < 16 && i < maskedAttributes.size(); ++i) {
        maskedAttributes[i] = char(maskedAttributes[i] & identity->attributesMask[i]);
        expectedAttributes[i] = char(expectedAttributes[i] & identity->attributesMask[i]);
    }
    QStringList mismatches;
    if (qeReport.mrSigner != identity->mrSigner)
        mismatches << QStringLiteral("MRSIGNER %1, expected %2").arg(QString::fromLatin1(qeReport.mrSigner.toHex()), QString::fromLatin1(identity->mrSigner.toHex()));
    if (qeReport.isvProdId != identity->isvProdId)
        mismatches << QStringLiteral("ISVPRODID %1, expected %2").arg(qeReport.isvProdId).arg(identity->isvProdId);
    if ((qeReport.miscSelect & identity->miscSelectMask) != (identity->miscSelect & identity->miscSelectMask))
        mismatches << QStringLiteral("MISCSELECT %1").arg(qeReport.miscSelect, 8, 16, QLatin1Char('0'));
    if (maskedAttributes != expectedAttributes)
        mismatches << QStringLiteral("attributes %1").arg(QString::fromLatin1(qeReport.attributes.toHex()));
    if (!mismatches.isEmpty())
        return {true, false, QStringLiteral("Revoked"), QStringLiteral("the Quoting Enclave is not the one Intel's QE identity describes: %1").arg(mismatches.join(QStringLiteral("; ")))};
    const QString stale = identity->nextUpdate < now ? QStringLiteral(" (the QE identity is past its next update, %1)").arg(dateText(identity->nextUpdate)) : QString();
    for (const TcbLevel &level : identity->levels) {
        if (qeReport.isvSvn >= level.isvSvn)
            return {true, !stale.isEmpty(), level.status, QStringLiteral("Quoting Enclave %1 (ISV SVN %2)").arg(level.status).arg(qeReport.isvSvn) + stale};
    }
    return {true, !stale.isEmpty(), QStringLiteral("Revoked"), QStringLiteral("the Quoting Enclave's ISV SVN %1 is below every level of its identity").arg(qeReport.isvSvn) + stale};
}

} // namespace teep::attestation::sgx
