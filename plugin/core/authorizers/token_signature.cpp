// SPDX-License-Identifier: Apache-2.0
#include "authorizers/token_signature.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <memory>

#include "crypto/base64.h"
#include "crypto/constant_time.h"
#include "crypto/crypto_error.h"
#include "crypto/openssl_handles.h"

namespace mqauth::authorizers {
namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, crypto::OpenSslFree<EVP_MD_CTX_free>>;

// A digest context set up for RSA-SHA256 with PKCS#1 v1.5 padding, to sign or to verify.
MdCtxPtr rsa_sha256_context(EVP_PKEY* key, bool signing) {
    MdCtxPtr context(EVP_MD_CTX_new());
    if (!context) throw crypto::CryptoError("EVP_MD_CTX_new failed");
    EVP_PKEY_CTX* key_context = nullptr;
    const int ready = signing ? EVP_DigestSignInit_ex(context.get(), &key_context, "SHA256",
                                                      nullptr, nullptr, key, nullptr)
                              : EVP_DigestVerifyInit_ex(context.get(), &key_context, "SHA256",
                                                        nullptr, nullptr, key, nullptr);
    // Explicit, though it is OpenSSL's default for RSA: the format says PKCS#1 v1.5, not PSS.
    if (ready != 1 || EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) != 1) {
        ERR_clear_error();
        throw crypto::CryptoError("cannot set up RSA-SHA256");
    }
    return context;
}

}  // namespace

std::optional<std::string> signing_key_problem(const EVP_PKEY* key) {
    if (!EVP_PKEY_is_a(key, "RSA")) {
        return std::string("not an RSA key (RSA-SHA256 PKCS#1 v1.5 signatures need one)");
    }
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < kMinSigningKeyBits || bits > kMaxSigningKeyBits) {
        return "an RSA key of " + std::to_string(bits) + " bits; 2048 to 8192 bits are accepted";
    }
    return std::nullopt;
}

bool rsa_sha256_verifies(EVP_PKEY* public_key, std::string_view message,
                         std::string_view signature) {
    // PKCS#1 v1.5 signatures are exactly as long as the modulus.
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(public_key))) return false;
    MdCtxPtr context = rsa_sha256_context(public_key, false);
    const int verified = EVP_DigestVerify(
        context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
        reinterpret_cast<const unsigned char*>(message.data()), message.size());
    ERR_clear_error();  // a failed verification leaves an error on the queue
    return verified == 1;
}

std::string rsa_sha256_sign(EVP_PKEY* private_key, std::string_view message) {
    MdCtxPtr context = rsa_sha256_context(private_key, true);
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    std::size_t length = 0;
    if (EVP_DigestSign(context.get(), nullptr, &length, data, message.size()) != 1) {
        ERR_clear_error();
        throw crypto::CryptoError("cannot sign with this key");
    }
    std::string signature(length, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                       data, message.size()) != 1) {
        ERR_clear_error();
        throw crypto::CryptoError("cannot sign with this key");
    }
    signature.resize(length);
    return signature;
}

SignatureCheck check_token_signature(const Authorizer& authorizer,
                                     std::optional<std::string_view> token,
                                     std::optional<std::string_view> signature_base64) {
    if (!token || !signature_base64) return SignatureCheck::Missing;
    if (!crypto::secrets_equal(*token, authorizer.signing_token.reveal())) {
        return SignatureCheck::TokenMismatch;
    }
    const std::optional<std::string> signature = crypto::base64_decode(*signature_base64);
    if (!signature || !authorizer.signing_public_key ||
        !rsa_sha256_verifies(authorizer.signing_public_key.get(), *token, *signature)) {
        return SignatureCheck::BadSignature;
    }
    return SignatureCheck::Valid;
}

}  // namespace mqauth::authorizers
