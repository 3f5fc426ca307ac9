#pragma once

#include <QByteArray>

#include <openssl/crypto.h>

#ifdef Q_OS_UNIX
#include <sys/mman.h>
#endif

namespace teep::crypto {

// Bytes that must not outlive their use: passphrases, decrypted key material. Wiped on
// destruction and on clear(); not copyable, so no stray copy is left behind by accident; kept out
// of swap where the system lets a process lock its memory (best effort: mlock may be refused).
class Secret
{
public:
    Secret() = default;
    explicit Secret(QByteArray bytes) : m_bytes(std::move(bytes))
    {
        m_bytes.detach();
#ifdef Q_OS_UNIX
        if (!m_bytes.isEmpty())
            ::mlock(m_bytes.constData(), size_t(m_bytes.size()));
#endif
    }
    ~Secret() { clear(); }
    Secret(const Secret &) = delete;
    Secret &operator=(const Secret &) = delete;
    Secret(Secret &&other) noexcept : m_bytes(std::move(other.m_bytes)) { other.m_bytes.clear(); }
    Secret &operator=(Secret &&other) noexcept
    {
        if (this != &other) {
            clear();
            m_bytes = std::move(other.m_bytes);
            other.m_bytes.clear();
        }
        return *this;
    }

    void clear()
    {
        if (!m_bytes.isEmpty()) {
            OPENSSL_cleanse(m_bytes.data(), static_cast<size_t>(m_bytes.size()));
#ifdef Q_OS_UNIX
            ::munlock(m_bytes.constData(), size_t(m_bytes.size()));
#endif
        }
        m_bytes.clear();
    }
    bool isEmpty() const { return m_bytes.isEmpty(); }
    qsizetype size() const { return m_bytes.size(); }
    const char *data() const { return m_bytes.constData(); }
    const QByteArray &bytes() const { return m_bytes; }

private:
    QByteArray m_bytes;
};

} // namespace teep::crypto
