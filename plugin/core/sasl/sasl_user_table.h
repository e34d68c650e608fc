#pragma once
// Kafka-style SASL users (ApsaraMQ for Kafka CreateSaslUser), by username.
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sasl/credentials.h"

namespace mqauth::sasl {

enum class SaslType {
    Plain,  // CONNECT username and password
    Scram,  // MQTT 5 enhanced authentication with the user's mechanism
};

struct SaslUser {
    std::string username;
    SaslType type = SaslType::Plain;
    ScramCredentials credentials;  // for both types: no plaintext password is kept
};

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
    // One `plain` user, or nullptr when there is none: a refused login elsewhere spends the same
    // time on its credentials, so timing cannot tell which usernames are plain users.
    const SaslUser* any_plain_user() const { return any_plain_; }

   private:
    std::deque<SaslUser> storage_;
    std::unordered_map<std::string_view, const SaslUser*> by_name_;
    const SaslUser* any_plain_ = nullptr;
};

// True when a client admitted as `before` would still be admitted as `after`.
bool same_sasl_user(const SaslUser& before, const SaslUser& after);

}  // namespace mqauth::sasl
