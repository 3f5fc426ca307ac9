// libFuzzer: OTrP past the signature. The input is used three ways:
//  1. raw, as a message to the simulated TEE and as each kind of answer to the TAM side;
//  2. as a TBS object that the harness signs with the trusted TAM key (so the TEE's checks after
//     the signature are reached), with "content_plain" encrypted to the TEE key as `content`;
//  3. as a signed TA and an encrypted_ta for the TA decoders.
#include "otrpworld.h"
#include "protocol/otrp/getdevicestate.h"
#include "protocol/otrp/otrpframing.h"

#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

using namespace teep;
using namespace teep::protocol::otrp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static test::OtrpWorld *world = [] {
        auto *w = new test::OtrpWorld();
        w->getDeviceState();
        return w;
    }();
    if (size > 65536 || size == 0)
        return 0;
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    (void)world->device->process(bytes);
    (void)processTeeCommandResponse(QStringLiteral("InstallTA"), bytes, QStringLiteral("rid-x"),
                                    world->target, world->tam.key);
    (void)processGetDeviceStateResponse(bytes, QStringLiteral("rid-x"), world->target.tid,
                                        {world->tam.key, {world->teeRoot.certificate}, {}, {}},
                                        SystemClock::instance());
    (void)verifyTa(bytes, {world->sp.certificate});

    nlohmann::json tbs =
        nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size(), nullptr, false);
    if (!tbs.is_object())
        return 0;
    (void)dsiFromJson(tbs);
    if (tbs.contains("encrypted_ta"))
        (void)decryptTa(TaOperation::Install, tbs["encrypted_ta"],
                        world->device->spAiks().value(QStringLiteral("acme")));
    static const QStringList commands = {QStringLiteral("CreateSD"), QStringLiteral("UpdateSD"),
                                         QStringLiteral("DeleteSD"), QStringLiteral("InstallTA"),
                                         QStringLiteral("UpdateTA"), QStringLiteral("DeleteTA")};
    const QString command = commands.at(data[0] % commands.size());
    if (tbs.contains("content_plain")) {
        nlohmann::json content = tbs["content_plain"];
        if (content.is_object() && !content.contains("did"))
            content["did"] = deviceId(world->tee.certificate).toStdString();
        const auto jwe =
            crypto::jose::encrypt(QByteArray::fromStdString(content.dump()),
                                  {{world->tee.key, QStringLiteral("ECDH-ES+A128KW")}});
        if (jwe)
            tbs["content"] = jwe.value();
        tbs.erase("content_plain");
    }
    if (!tbs.contains("dsihash"))
        tbs["dsihash"] = world->target.dsihash.toStdString();
    const auto message = sign(command, Direction::Request, tbs, world->tamSigner());
    if (message) {
        const nlohmann::json answer =
            world->device->process(QByteArray::fromStdString(message.value().dump()));
        // Keep the TAM in step with the TEE, so later inputs get past dsihash.
        world->lastRid = QString::fromStdString(tbs.value("rid", nlohmann::json("")).is_string()
                                                    ? tbs.value("rid", std::string())
                                                    : std::string());
        const auto result =
            processTeeCommandResponse(command, QByteArray::fromStdString(answer.dump()),
                                      world->lastRid, world->target, world->tam.key);
        if (result && !result.value().dsiHash.isEmpty())
            world->target.dsihash = result.value().dsiHash;
    }
    return 0;
}
