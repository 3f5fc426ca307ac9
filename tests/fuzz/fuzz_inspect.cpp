// libFuzzer: the inspector behind `teepctl inspect`, which trainers point at anything.
#include "protocol/inspector.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QList<teep::crypto::Key> keys{teep::crypto::Key::generate(teep::crypto::KeyAlgorithm::P256).value()};
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    (void)teep::protocol::inspect(bytes, keys, true);
    return 0;
}
