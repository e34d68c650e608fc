// SPDX-License-Identifier: Apache-2.0
#include "sasl/sasl_user_table.h"

namespace mqauth::sasl {

bool SaslUserTable::add(SaslUser user) {
    if (by_name_.count(user.username) > 0) return false;
    const SaslUser& stored = storage_.emplace_back(std::move(user));
    by_name_.emplace(stored.username, &stored);
    if (stored.type == SaslType::Plain &&
        (!any_plain_ ||
         verification_cost(stored.credentials) > verification_cost(any_plain_->credentials))) {
        any_plain_ = &stored;
    }
    return true;
}

const SaslUser* SaslUserTable::find(std::string_view username) const {
    const auto it = by_name_.find(username);
    return it == by_name_.end() ? nullptr : it->second;
}

std::optional<WallTime> SaslUserTable::next_previous_end(WallTime now) const {
    std::optional<WallTime> next;
    for (const SaslUser& user : storage_) {
        if (!user.previous || !user.previous->until || *user.previous->until <= now) continue;
        if (!next || *user.previous->until < *next) next = user.previous->until;
    }
    return next;
}

const UserCredentials* credentials_of(const SaslUser& user, CredentialsUsed used) {
    switch (used) {
        case CredentialsUsed::Current: return &user.credentials;
        case CredentialsUsed::Previous:
            return user.previous ? &user.previous->credentials : nullptr;
        case CredentialsUsed::None: break;
    }
    return nullptr;
}

CredentialsUsed credentials_after_reload(const SaslUser& before, CredentialsUsed used,
                                         const SaslUser& after, WallTime now) {
    const UserCredentials* proven = credentials_of(before, used);
    if (!proven || before.username != after.username || before.type != after.type) {
        return CredentialsUsed::None;
    }
    // Both compared, whatever the first says, as at login.
    const bool current = same_credentials(*proven, after.credentials);
    const bool previous = after.previous && after.previous->accepted_at(now) &&
                          same_credentials(*proven, after.previous->credentials);
    if (current) return CredentialsUsed::Current;
    return previous ? CredentialsUsed::Previous : CredentialsUsed::None;
}

}  // namespace mqauth::sasl
