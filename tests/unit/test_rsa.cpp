// SPDX-License-Identifier: Apache-2.0
#include "test_rsa.h"

#include <openssl/encoder.h>
#include <openssl/pem.h>

#include <map>
#include <stdexcept>
#include <utility>

#include "authorizers/token_signature.h"
#include "crypto/base64.h"
#include "crypto/openssl_handles.h"

namespace mqauth::test_rsa {
namespace {

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

EVP_PKEY* key(int which, int bits) {
    static std::map<std::pair<int, int>, crypto::EvpPkeyPtr> keys;
    crypto::EvpPkeyPtr& slot = keys[{which, bits}];
    if (!slot) {
        slot.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
        if (!slot) throw std::runtime_error("RSA key generation failed");
    }
    return slot.get();
}

std::string public_pem(const EVP_PKEY* key) {
    crypto::BioPtr out(BIO_new(BIO_s_mem()));
    if (!out || PEM_write_bio_PUBKEY(out.get(), key) != 1) throw std::runtime_error("PEM");
    return bio_text(out.get());
}

std::string pkcs1_public_pem(const EVP_PKEY* key) {
    OSSL_ENCODER_CTX* encoder =
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
    unsigned char* data = nullptr;
    size_t length = 0;
    const bool encoded = encoder && OSSL_ENCODER_to_data(encoder, &data, &length) == 1;
    OSSL_ENCODER_CTX_free(encoder);
    if (!encoded) throw std::runtime_error("PKCS#1 PEM");
    std::string pem(reinterpret_cast<const char*>(data), length);
    OPENSSL_free(data);
    return pem;
}

std::string private_pem(const EVP_PKEY* key) {
    crypto::BioPtr out(BIO_new(BIO_s_mem()));
    if (!out ||
        PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        throw std::runtime_error("PEM");
    }
    return bio_text(out.get());
}

std::string signature(EVP_PKEY* key, std::string_view token) {
    return crypto::base64_encode(authorizers::rsa_sha256_sign(key, token));
}

}  // namespace mqauth::test_rsa
