#include "crypto/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <memory>

#include "crypto/crypto_error.h"

namespace mqauth::crypto {
namespace {

struct MdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxFree {
    void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// Algorithms are fetched once: OpenSSL 3's implicit fetch (EVP_sha256() and friends) takes a
// lock and a provider lookup on every call, which costs more than hashing a client id.
const EVP_MD* sha256_md() {
    static const std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!md) throw CryptoError("SHA256 unavailable");
    return md.get();
}

EVP_MAC* hmac_mac() {
    static const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) throw CryptoError("HMAC unavailable");
    return mac.get();
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
    Sha256Digest out{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &length, sha256_md(), nullptr) != 1 ||
        length != out.size()) {
        throw CryptoError("SHA256 failed");
    }
    return out;
}

Sha1Digest hmac_sha1(std::string_view key, std::string_view message) {
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_mac()));
    if (!ctx) throw CryptoError("HMAC context allocation failed");
    char digest_name[] = "SHA1";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer for it.
    static const unsigned char no_key = 0;
    const auto* key_bytes =
        key.empty() ? &no_key : reinterpret_cast<const unsigned char*>(key.data());
    Sha1Digest out{};
    size_t length = 0;
    if (EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1 ||
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1 || length != out.size()) {
        throw CryptoError("HMAC-SHA1 failed");
    }
    return out;
}

}  // namespace mqauth::crypto
