// SPDX-License-Identifier: Apache-2.0
#include "identities/signed_password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto/base64.h"
#include "crypto/digest.h"

namespace mqauth::identities {

std::string signed_password(std::string_view secret, std::string_view client_id) {
    return crypto::base64_encode(crypto::hmac_sha1(secret, client_id));
}

namespace {

// Base64 of the digest against the password, in constant time.
bool encoded_digest_matches(const crypto::Sha1Digest& digest, std::string_view password) {
    constexpr std::size_t kEncodedSize = 28;   // Base64 of a 20-byte digest
    unsigned char expected[kEncodedSize + 1];  // EVP_EncodeBlock adds a NUL
    EVP_EncodeBlock(expected, digest.data(), static_cast<int>(digest.size()));
    return password.size() == kEncodedSize &&
           CRYPTO_memcmp(password.data(), expected, kEncodedSize) == 0;
}

}  // namespace

bool signed_password_matches(std::string_view secret, std::string_view client_id,
                             std::string_view password) {
    return encoded_digest_matches(crypto::hmac_sha1(secret, client_id), password);
}

bool signed_password_matches(const crypto::PreparedHmac& key, std::string_view client_id,
                             std::string_view password) {
    crypto::Sha1Digest digest{};
    if (key.digest_size() != digest.size()) return false;  // not an HMAC-SHA1 key
    key.compute(client_id, digest.data());
    return encoded_digest_matches(digest, password);
}

}  // namespace mqauth::identities
