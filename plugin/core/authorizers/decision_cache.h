// SPDX-License-Identifier: Apache-2.0
#pragma once
// Cached function decisions of authorizers with cache_enable (Huawei IoTDA's custom authenticator:
// the cached result is used while username, client id, password, certificate and function URN
// stay the same).
//
// - Keyed by HMAC-SHA256, under a per-process random key, of a length-prefixed encoding of every
//   field the function is sent (function_request.h) and may decide on: the authorizer's name and
//   URL, the username, client id, password, certificate fingerprint, client address and server
//   name. A function that admits one address only is asked again for another. The password is
//   never stored, and a key cannot be computed outside this process.
// - An allow lives refresh_seconds (the function's answer, clamped to 1..86400; 300 when absent;
//   0 means "do not cache"); a deny at most 30 s, so a device the function starts accepting
//   is not locked out long. Function errors are never cached.
// - At most `capacity` entries: expired ones go first, then the oldest.
// - A reload that changes an authorizer drops its entries (drop_authorizer).
#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crypto/prepared_hmac.h"

namespace mqauth::authorizers {

using Clock = std::chrono::steady_clock;

inline constexpr std::size_t kDefaultCacheCapacity = 100000;
inline constexpr std::chrono::seconds kDefaultRefresh{300};
inline constexpr std::chrono::seconds kMaxRefresh{86400};
inline constexpr std::chrono::seconds kMaxDenialRefresh{30};

// The inputs a cached decision is valid for.
struct CacheInputs {
    std::string_view authorizer_name;
    std::string_view func_urn;
    std::optional<std::string_view> username;  // the whole CONNECT username
    std::string_view client_id;
    std::optional<std::string_view> password;
    std::string_view certificate_fingerprint;  // "" without a certificate
    std::string_view client_address;
    std::optional<std::string_view> server_name;
};

// How long a decision is kept: zero for "not at all".
std::chrono::seconds cache_lifetime(bool allowed, std::optional<std::uint64_t> refresh_seconds);

class DecisionCache {
   public:
    explicit DecisionCache(std::size_t capacity = kDefaultCacheCapacity);

    // 32 bytes; never contains any input in the clear.
    std::string key_for(const CacheInputs& inputs) const;

    // The cached decision (true: allow), if one is live at `now`.
    std::optional<bool> lookup(const std::string& key, Clock::time_point now);
    void store(const std::string& key, std::string_view authorizer_name, bool allowed,
               std::optional<std::uint64_t> refresh_seconds, Clock::time_point now);

    void drop_authorizer(std::string_view authorizer_name);
    std::size_t size() const { return entries_.size(); }

   private:
    struct Entry {
        bool allowed;
        Clock::time_point expires;
        std::string authorizer;
        std::list<const std::string*>::iterator age;  // its place in order_
    };

    void erase(std::unordered_map<std::string, Entry>::iterator entry);
    void make_room(Clock::time_point now);

    std::size_t capacity_;
    crypto::PreparedHmac hash_key_;  // random, per process
    std::unordered_map<std::string, Entry> entries_;
    std::list<const std::string*> order_;  // the keys in entries_ (nodes stay put), oldest first
};

}  // namespace mqauth::authorizers
