// libFuzzer: the session files a trainer opens in the Message Inspector (anyone may send one).
#include "tam/sessionfile.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const auto file = teep::tam::readSessionFile(bytes);
    if (file) {
        // What was read writes back and reads again to the same session.
        const auto again = teep::tam::readSessionFile(teep::tam::writeSessionFile(file.value()));
        if (!again || again.value().messages.size() != file.value().messages.size() || again.value().keys.size() != file.value().keys.size())
            __builtin_trap();
    }
    return 0;
}
