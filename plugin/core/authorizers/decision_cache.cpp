// SPDX-License-Identifier: Apache-2.0
#include "authorizers/decision_cache.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace mqauth::authorizers {
namespace {

void append_length_prefixed(std::string& out, std::string_view field) {
    const std::uint64_t size = field.size();
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out.append(field);
}

// An absent field and an empty one are different inputs (no username vs. an empty one).
void append_optional(std::string& out, const std::optional<std::string_view>& field) {
    out.push_back(field ? '\1' : '\0');
    append_length_prefixed(out, field.value_or(std::string_view()));
}

}  // namespace

std::chrono::seconds cache_lifetime(bool allowed, std::optional<std::uint64_t> refresh_seconds) {
    if (refresh_seconds && *refresh_seconds == 0) return std::chrono::seconds(0);
    std::chrono::seconds lifetime = kDefaultRefresh;
    if (refresh_seconds) {
        const auto capped = std::min<std::uint64_t>(*refresh_seconds, kMaxRefresh.count());
        lifetime = std::chrono::seconds(static_cast<std::chrono::seconds::rep>(capped));
    }
    return allowed ? lifetime : std::min(lifetime, kMaxDenialRefresh);
}

namespace {

// A fresh random HMAC-SHA256 key, prepared once: the cache key is computed on every CONNECT.
crypto::PreparedHmac random_hash_key() {
    std::string secret = crypto::random_bytes(32);
    crypto::PreparedHmac key(crypto::HashAlgorithm::Sha256, secret);
    OPENSSL_cleanse(secret.data(), secret.size());
    return key;
}

}  // namespace

DecisionCache::DecisionCache(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)), hash_key_(random_hash_key()) {}

std::string DecisionCache::key_for(const CacheInputs& inputs) const {
    std::string message;
    append_length_prefixed(message, inputs.authorizer_name);
    append_length_prefixed(message, inputs.func_urn);
    append_optional(message, inputs.username);
    append_length_prefixed(message, inputs.client_id);
    append_optional(message, inputs.password);
    append_length_prefixed(message, inputs.certificate_fingerprint);
    append_length_prefixed(message, inputs.client_address);
    append_optional(message, inputs.server_name);
    std::string key(hash_key_.digest_size(), '\0');
    hash_key_.compute(message, reinterpret_cast<unsigned char*>(key.data()));
    OPENSSL_cleanse(message.data(), message.size());  // it held the password
    return key;
}

std::optional<bool> DecisionCache::lookup(const std::string& key, Clock::time_point now) {
    const auto entry = entries_.find(key);
    if (entry == entries_.end()) return std::nullopt;
    if (entry->second.expires <= now) {
        erase(entry);
        return std::nullopt;
    }
    return entry->second.allowed;
}

void DecisionCache::store(const std::string& key, std::string_view authorizer_name, bool allowed,
                          std::optional<std::uint64_t> refresh_seconds, Clock::time_point now) {
    const std::chrono::seconds lifetime = cache_lifetime(allowed, refresh_seconds);
    if (const auto old = entries_.find(key); old != entries_.end()) erase(old);
    if (lifetime.count() == 0) return;
    make_room(now);
    const auto stored =
        entries_.emplace(key, Entry{allowed, now + lifetime, std::string(authorizer_name), {}})
            .first;
    try {
        stored->second.age = order_.insert(order_.end(), &stored->first);
    } catch (...) {
        entries_.erase(stored);  // an entry without its place in order_ could never be evicted
        throw;
    }
}

void DecisionCache::drop_authorizer(std::string_view authorizer_name) {
    for (auto entry = entries_.begin(); entry != entries_.end();) {
        if (entry->second.authorizer == authorizer_name) {
            order_.erase(entry->second.age);
            entry = entries_.erase(entry);
        } else {
            ++entry;
        }
    }
}

void DecisionCache::erase(std::unordered_map<std::string, Entry>::iterator entry) {
    order_.erase(entry->second.age);
    entries_.erase(entry);
}

// Oldest first: expired entries at the front go at no cost; when the cache is still full, the
// oldest live entry goes too (its owner pays one more function call on the next connect).
void DecisionCache::make_room(Clock::time_point now) {
    while (!order_.empty()) {
        const auto oldest = entries_.find(*order_.front());
        if (entries_.size() < capacity_ && oldest->second.expires > now) return;
        erase(oldest);
    }
}

}  // namespace mqauth::authorizers
