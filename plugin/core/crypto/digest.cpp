// SPDX-License-Identifier: Apache-2.0
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

const char* openssl_name(HashAlgorithm algorithm) {
    switch (algorithm) {
        case HashAlgorithm::Sha1: return "SHA1";
        case HashAlgorithm::Sha256: return "SHA256";
        case HashAlgorithm::Sha512: return "SHA512";
    }
    throw CryptoError("unknown hash algorithm");
}

std::unique_ptr<EVP_MD, MdFree> fetch_md(HashAlgorithm algorithm) {
    std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, openssl_name(algorithm), nullptr));
    if (!md) throw CryptoError(std::string(openssl_name(algorithm)) + " unavailable");
    return md;
}

EVP_MAC* hmac_mac() {
    static const std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!mac) throw CryptoError("HMAC unavailable");
    return mac.get();
}

std::unique_ptr<EVP_MAC_CTX, MacCtxFree> new_hmac_context(HashAlgorithm algorithm) {
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(hmac_mac()));
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char*>(openssl_name(algorithm)), 0),
        OSSL_PARAM_construct_end(),
    };
    if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
        throw CryptoError("HMAC context set-up failed");
    }
    return ctx;
}

// An HMAC context with its digest already chosen, one per thread and algorithm, re-keyed by
// every EVP_MAC_init. Setting the digest on a fresh context looks it up by name, and duplicating
// and freeing a context per call cost OpenSSL 3 more than the four SHA-1 blocks of a SIGNED
// check (callgrind: 11,500 instructions a check with a context per call, 8,250 reusing one;
// SIGNED checks go further, with crypto::PreparedHmac).
// Between calls the context holds the last key's padded hash states, like any key in memory here.
EVP_MAC_CTX* reusable_hmac(HashAlgorithm algorithm) {
    thread_local const auto sha1 = new_hmac_context(HashAlgorithm::Sha1);
    thread_local const auto sha256 = new_hmac_context(HashAlgorithm::Sha256);
    thread_local const auto sha512 = new_hmac_context(HashAlgorithm::Sha512);
    switch (algorithm) {
        case HashAlgorithm::Sha1: return sha1.get();
        case HashAlgorithm::Sha256: return sha256.get();
        case HashAlgorithm::Sha512: return sha512.get();
    }
    throw CryptoError("unknown hash algorithm");
}

void digest_into(HashAlgorithm algorithm, std::string_view data, unsigned char* out) {
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out, &length, evp_md(algorithm), nullptr) != 1 ||
        length != digest_size(algorithm)) {
        throw CryptoError(std::string(openssl_name(algorithm)) + " failed");
    }
}

void hmac_into(HashAlgorithm algorithm, std::string_view key, std::string_view message,
               unsigned char* out) {
    EVP_MAC_CTX* ctx = reusable_hmac(algorithm);
    std::size_t length = 0;
    const std::size_t size = digest_size(algorithm);
    if (EVP_MAC_init(ctx, bytes(key), key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, bytes(message), message.size()) != 1 ||
        EVP_MAC_final(ctx, out, &length, size) != 1 || length != size) {
        throw CryptoError("HMAC failed");
    }
}

}  // namespace

// Algorithms are fetched once: OpenSSL 3's implicit fetch (EVP_sha256() and friends) takes a
// lock and a provider lookup on every call, which costs more than hashing a client id.
const EVP_MD* evp_md(HashAlgorithm algorithm) {
    static const std::unique_ptr<EVP_MD, MdFree> sha1 = fetch_md(HashAlgorithm::Sha1);
    static const std::unique_ptr<EVP_MD, MdFree> sha256 = fetch_md(HashAlgorithm::Sha256);
    static const std::unique_ptr<EVP_MD, MdFree> sha512 = fetch_md(HashAlgorithm::Sha512);
    switch (algorithm) {
        case HashAlgorithm::Sha1: return sha1.get();
        case HashAlgorithm::Sha256: return sha256.get();
        case HashAlgorithm::Sha512: return sha512.get();
    }
    throw CryptoError("unknown hash algorithm");
}

const unsigned char* bytes(std::string_view data) {
    // OpenSSL wants a non-null pointer even for empty input (an empty HMAC key is legal).
    static const unsigned char empty = 0;
    return data.empty() ? &empty : reinterpret_cast<const unsigned char*>(data.data());
}

std::size_t digest_size(HashAlgorithm algorithm) {
    switch (algorithm) {
        case HashAlgorithm::Sha1: return 20;
        case HashAlgorithm::Sha256: return 32;
        case HashAlgorithm::Sha512: return 64;
    }
    throw CryptoError("unknown hash algorithm");
}

std::string digest(HashAlgorithm algorithm, std::string_view data) {
    std::string out(digest_size(algorithm), '\0');
    digest_into(algorithm, data, reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

std::string hmac(HashAlgorithm algorithm, std::string_view key, std::string_view message) {
    std::string out(digest_size(algorithm), '\0');
    hmac_into(algorithm, key, message, reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

std::string pbkdf2(HashAlgorithm algorithm, std::string_view password, std::string_view salt,
                   int iterations) {
    if (iterations < 1) throw CryptoError("PBKDF2 needs at least one iteration");
    std::string out(digest_size(algorithm), '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt),
                          static_cast<int>(salt.size()), iterations, evp_md(algorithm),
                          static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1) {
        throw CryptoError("PBKDF2 failed");
    }
    return out;
}

Sha256Digest sha256(std::string_view data) {
    Sha256Digest out{};
    digest_into(HashAlgorithm::Sha256, data, out.data());
    return out;
}

Sha1Digest hmac_sha1(std::string_view key, std::string_view message) {
    Sha1Digest out{};
    hmac_into(HashAlgorithm::Sha1, key, message, out.data());
    return out;
}

}  // namespace mqauth::crypto
