// SPDX-License-Identifier: Apache-2.0
#include "sasl/plain_login_cache.h"

#include <openssl/crypto.h>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace mqauth::sasl {
namespace {

void append_length_prefixed(std::string& out, std::string_view field) {
    const std::uint64_t size = field.size();
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out.append(field);
}

}  // namespace

PlainLoginCache::PlainLoginCache(std::size_t capacity)
    : capacity_(capacity), hash_key_(crypto::random_bytes(32)) {}

std::string PlainLoginCache::entry_key(const SaslUser& user, std::string_view password,
                                       CredentialsUsed used) const {
    const UserCredentials* credentials = credentials_of(user, used);
    if (!credentials) return {};
    std::string message;
    append_length_prefixed(message, user.username);
    append_length_prefixed(message, password);
    append_length_prefixed(message, verifier_of(*credentials));
    std::string key = crypto::hmac(crypto::HashAlgorithm::Sha256, hash_key_, message);
    OPENSSL_cleanse(message.data(), message.size());  // it held the password
    return key;
}

bool PlainLoginCache::contains(const SaslUser& user, std::string_view password,
                               CredentialsUsed used) const {
    const std::string key = entry_key(user, password, used);
    return !key.empty() && entries_.count(key) > 0;
}

void PlainLoginCache::remember(const SaslUser& user, std::string_view password,
                               CredentialsUsed used) {
    std::string key = entry_key(user, password, used);
    if (key.empty()) return;
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.insert(std::move(key));
}

}  // namespace mqauth::sasl
