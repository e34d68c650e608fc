// SPDX-License-Identifier: Apache-2.0
#pragma once
// Kafka-style SASL users (ApsaraMQ for Kafka CreateSaslUser), by username.
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sasl/user_credentials.h"

namespace mqauth::sasl {

enum class SaslType {
    Plain,  // CONNECT username and password
    Scram,  // MQTT 5 enhanced authentication with the user's mechanism
};

using WallTime = std::chrono::system_clock::time_point;

// The credentials a user had before its current ones, still accepted while its clients move over
// (rotation without an outage): until `until`, or until the operator removes them. A scram
// user's share the salt and iterations of its current ones (the loader sees to it), since the
// server-first message can offer a client only one salt.
struct PreviousCredentials {
    UserCredentials credentials;
    std::optional<WallTime> until;

    bool accepted_at(WallTime now) const { return !until || now < *until; }
};

struct SaslUser {
    std::string username;
    SaslType type = SaslType::Plain;
    // No plaintext password is kept. A scram user's are ScramCredentials, previous ones included
    // (the loader sees to it); a plain user's may be a Mosquitto hash too.
    UserCredentials credentials;
    std::optional<PreviousCredentials> previous;
};

// Which of a user's credentials a login proved.
enum class CredentialsUsed { None, Current, Previous };

class SaslUserTable {
   public:
    SaslUserTable() = default;
    SaslUserTable(const SaslUserTable&) = delete;  // the index points into storage_
    SaslUserTable& operator=(const SaslUserTable&) = delete;
    SaslUserTable(SaslUserTable&&) = default;
    SaslUserTable& operator=(SaslUserTable&&) = default;

    bool add(SaslUser user);  // false for a duplicate username
    const SaslUser* find(std::string_view username) const;
    std::size_t size() const { return storage_.size(); }
    // The `plain` user whose password check costs most (verification_cost), or nullptr when
    // there is none: a refused login elsewhere, or against cheaper credentials (a migrated $6$
    // hash), spends the same time on its credentials, so timing cannot tell which usernames are
    // plain users, nor which credentials they have.
    const SaslUser* any_plain_user() const { return any_plain_; }
    // The earliest previous-credentials `until` after `now`, if any.
    std::optional<WallTime> next_previous_end(WallTime now) const;

   private:
    std::deque<SaslUser> storage_;
    std::unordered_map<std::string_view, const SaslUser*> by_name_;
    const SaslUser* any_plain_ = nullptr;
};

// The credentials `used` names (null for None, or a previous the user does not have).
const UserCredentials* credentials_of(const SaslUser& user, CredentialsUsed used);

// After a reload: which credentials of `after` a client that `before` admitted with its `used`
// ones now holds (None: the reload withdrew them). Its type must not change either.
CredentialsUsed credentials_after_reload(const SaslUser& before, CredentialsUsed used,
                                         const SaslUser& after, WallTime now);

}  // namespace mqauth::sasl
