// SPDX-License-Identifier: Apache-2.0
#include "identities/identity_table.h"

#include <functional>

namespace mqauth::identities {

std::size_t IdentityTable::ClientKeyHash::operator()(const ClientKey& key) const {
    const std::hash<std::string_view> hash;
    const std::size_t h = hash(key.username);
    return h ^ (hash(key.client_id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

IdentityTable::AddResult IdentityTable::add(Identity identity) {
    const bool is_client = identity.type == IdentityType::Client;
    const bool taken = is_client ? clients_.count({identity.username, identity.client_id}) > 0
                                 : users_.count(identity.username) > 0;
    if (taken) return AddResult::Duplicate;

    const Identity& stored = storage_.emplace_back(std::move(identity));
    if (is_client) {
        clients_.emplace(ClientKey{stored.username, stored.client_id}, &stored);
        client_usernames_.insert(stored.username);
        reserved_client_ids_.insert(stored.client_id);
    } else {
        users_.emplace(stored.username, &stored);
    }
    has_signed_ = has_signed_ || stored.sign_mode == SignMode::Signed;
    return AddResult::Added;
}

const Identity* IdentityTable::select(std::string_view username, std::string_view client_id) const {
    if (auto it = clients_.find({username, client_id}); it != clients_.end()) return it->second;
    if (auto it = users_.find(username); it != users_.end()) return it->second;
    return nullptr;
}

bool IdentityTable::has_client_identities(std::string_view username) const {
    return client_usernames_.count(username) > 0;
}

std::optional<WallTime> IdentityTable::next_previous_secret_end(WallTime now) const {
    std::optional<WallTime> next;
    for (const Identity& identity : storage_) {
        if (!identity.previous || !identity.previous->until || *identity.previous->until <= now) {
            continue;
        }
        if (!next || *identity.previous->until < *next) next = identity.previous->until;
    }
    return next;
}

}  // namespace mqauth::identities
