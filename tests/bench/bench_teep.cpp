// How much the TEEP codec and COSE layer add over the signature itself: encode+sign and
// verify+decode of a typical QueryResponse and Update, next to raw OpenSSL EVP sign and verify
// rates measured in the same run. Prints figures and ratios; asserts nothing (see README).
#include "cbor/strictcbor.h"
#include "crypto/cosesign.h"
#include "crypto/openssl.h"
#include "protocol/teep/teepcodec.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>
#include <functional>

using namespace teep;

namespace {

double opsPerSecond(const std::function<void()> &operation, qint64 budgetMs)
{
    QElapsedTimer timer;
    qint64 runs = 0;
    timer.start();
    while (timer.elapsed() < budgetMs) {
        for (int i = 0; i < 16; ++i)
            operation();
        runs += 16;
    }
    return double(runs) * 1000.0 / double(timer.elapsed());
}

QByteArray rawSign(const crypto::Key &key, const QByteArray &message)
{
    crypto::MdCtxPtr context(EVP_MD_CTX_new());
    EVP_DigestSignInit(context.get(), nullptr, key.signatureDigest(), nullptr, key.get());
    size_t length = 0;
    EVP_DigestSign(context.get(), nullptr, &length, reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size()));
    QByteArray signature(qsizetype(length), '\0');
    EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                   reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size()));
    signature.resize(qsizetype(length));
    return signature;
}

bool rawVerify(const crypto::Key &key, const QByteArray &message, const QByteArray &signature)
{
    crypto::MdCtxPtr context(EVP_MD_CTX_new());
    EVP_DigestVerifyInit(context.get(), nullptr, key.signatureDigest(), nullptr, key.get());
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.constData()), size_t(signature.size()),
                            reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size())) == 1;
}

protocol::Message typicalQueryResponse()
{
    protocol::QueryResponse response;
    response.token = QByteArray(16, '\xa0');
    response.selectedVersion = 0;
    response.attestationPayloadFormat = QStringLiteral("application/eat+cwt; eat_profile=urn:ietf:rfc:rfc9999");
    response.attestationPayload = QByteArray(180, 'e');
    QCborArray tcList;
    for (int i = 0; i < 5; ++i)
        tcList.append(QCborMap{{0, QCborArray{QByteArray(16, char('a' + i))}},
                               {3, QCborValue(QCborArray{-16, QByteArray(32, char(i))}).toCbor()}});
    response.tcList = tcList;
    response.requestedTcList = {{QCborArray{QByteArray(16, 'r')}, 2, false}};
    return response;
}

protocol::Message typicalUpdate()
{
    protocol::Update update;
    update.token = QByteArray(16, '\xa1');
    update.manifestList = {QByteArray(320, 'm')}; // a URI-based SUIT envelope is about this size
    update.unneededManifestList = {QCborArray{QByteArray(16, 'o')}};
    return update;
}

void benchAlgorithm(const char *name, crypto::KeyAlgorithm algorithm, qint64 alg, qint64 budgetMs)
{
    const crypto::Key key = crypto::Key::generate(algorithm).value();
    const auto policy = crypto::cose::AlgorithmPolicy::compatible();
    // The bytes a COSE signature covers are ~ the message size plus a small Sig_structure frame.
    const QByteArray sample = protocol::encodeMessage(typicalQueryResponse());
    const QByteArray sampleSignature = rawSign(key, sample);
    const double rawSignRate = opsPerSecond([&] { (void)rawSign(key, sample); }, budgetMs);
    const double rawVerifyRate = opsPerSecond([&] { (void)rawVerify(key, sample, sampleSignature); }, budgetMs);
    std::printf("%s: raw OpenSSL sign %.0f/s, verify %.0f/s\n", name, rawSignRate, rawVerifyRate);

    for (const auto &entry : {std::pair{"QueryResponse", typicalQueryResponse()}, std::pair{"Update", typicalUpdate()}}) {
        // Named copies, not structured bindings: lambdas below capture them (clang 14 refuses bindings).
        const char *label = entry.first;
        const protocol::Message &message = entry.second;
        const QByteArray signedBytes = crypto::cose::sign1(protocol::encodeMessage(message), {key, alg}).value();
        const double signRate = opsPerSecond([&] { (void)crypto::cose::sign1(protocol::encodeMessage(message), {key, alg}); }, budgetMs);
        const double verifyRate = opsPerSecond(
            [&] {
                const auto value = cbor::decodeStrict(signedBytes);
                const auto object = crypto::cose::parse(value.value());
                if (!crypto::cose::verify(object.value(), key, policy))
                    std::abort();
                if (!protocol::decodeMessageBytes(object.value().payload))
                    std::abort();
            },
            budgetMs);
        // Overhead: the share of each operation's time not spent in the raw signature.
        const double signOverhead = 100.0 * (rawSignRate / signRate - 1.0);
        const double verifyOverhead = 100.0 * (rawVerifyRate / verifyRate - 1.0);
        std::printf("  %-13s %4lld bytes  encode+sign %8.0f/s (overhead %5.1f%%)   verify+decode %8.0f/s (overhead %5.1f%%)\n",
                    label, static_cast<long long>(signedBytes.size()), signRate, signOverhead, verifyRate, verifyOverhead);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const qint64 budgetMs = argc > 1 ? QByteArray(argv[1]).toLongLong() : 1000;
    std::printf("TEEP codec + COSE vs raw OpenSSL (each figure measured for %lld ms; target: overhead under 20%%)\n",
                static_cast<long long>(budgetMs));
    benchAlgorithm("ESP256 (P-256)", crypto::KeyAlgorithm::P256, crypto::cose::kESP256, budgetMs);
    benchAlgorithm("Ed25519", crypto::KeyAlgorithm::Ed25519, crypto::cose::kEd25519, budgetMs);
    return 0;
}
