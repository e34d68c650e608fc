// SPDX-License-Identifier: Apache-2.0
#pragma once
// Remembers which (username, password) pairs a `plain` SASL login verified, so a repeat connect
// skips the PBKDF2 (about 1 ms at 4096 iterations). Entries are keyed by HMAC-SHA256 under a
// per-process random key of the length-prefixed username, password and the verifier (StoredKey,
// or a Mosquitto hash's hash) of the credentials it matched (the user's current ones or, during
// a rotation, its previous ones): the password itself is never stored, the key cannot be computed
// outside this process, and an entry stops matching as soon as a reload changes the user's
// credentials (so unchanged users stay cached across reloads). Only successes are cached, so failed
// guesses cannot fill it; it is emptied when full.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

#include "sasl/sasl_user_table.h"

namespace mqauth::sasl {

class PlainLoginCache {
   public:
    explicit PlainLoginCache(std::size_t capacity = 10000);

    // Whether the password was verified against the user's `used` credentials (Current unless
    // said).
    bool contains(const SaslUser& user, std::string_view password,
                  CredentialsUsed used = CredentialsUsed::Current) const;
    void remember(const SaslUser& user, std::string_view password,
                  CredentialsUsed used = CredentialsUsed::Current);
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }

   private:
    // Empty when the user has no such credentials.
    std::string entry_key(const SaslUser& user, std::string_view password,
                          CredentialsUsed used) const;

    std::size_t capacity_;
    std::string hash_key_;
    std::unordered_set<std::string> entries_;
};

}  // namespace mqauth::sasl
