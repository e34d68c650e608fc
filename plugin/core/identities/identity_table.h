// SPDX-License-Identifier: Apache-2.0
#pragma once
// All identities of one policy, indexed for the CONNECT path: every lookup is a hash lookup on
// string_views into the table's own storage, so a lookup neither scans nor allocates.
#include <cstddef>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "identities/identity.h"

namespace mqauth::identities {

class IdentityTable {
   public:
    IdentityTable() = default;
    IdentityTable(const IdentityTable&) = delete;  // the indexes point into storage_
    IdentityTable& operator=(const IdentityTable&) = delete;
    IdentityTable(IdentityTable&&) = default;  // std::deque moves keep element addresses
    IdentityTable& operator=(IdentityTable&&) = default;

    enum class AddResult { Added, Duplicate };
    // Two USER identities of one username, or two CLIENT identities of one (username, client id),
    // are duplicates; a USER and a CLIENT identity may share a username.
    AddResult add(Identity identity);

    // The identity that decides a CONNECT: the CLIENT identity bound to (username, client id) when
    // there is one, else the USER identity of the username, else nullptr.
    const Identity* select(std::string_view username, std::string_view client_id) const;

    // True when the username has CLIENT identities (for a more useful refusal reason).
    bool has_client_identities(std::string_view username) const;
    bool has_user_identity(std::string_view username) const { return users_.count(username) > 0; }

    // True when a CLIENT identity names this client id: it is reserved to the identities that
    // name it, whatever else could log in (README "Client ids").
    bool reserves_client_id(std::string_view client_id) const {
        return reserved_client_ids_.count(client_id) > 0;
    }
    // True when some identity is SIGNED (its password proves the client id it was signed for).
    bool has_signed_identities() const { return has_signed_; }

    std::size_t size() const { return storage_.size(); }

    // The earliest previous_secret_until after `now`, if any identity has one.
    std::optional<WallTime> next_previous_secret_end(WallTime now) const;

   private:
    struct ClientKey {
        std::string_view username;
        std::string_view client_id;
        bool operator==(const ClientKey& other) const {
            return username == other.username && client_id == other.client_id;
        }
    };
    struct ClientKeyHash {
        std::size_t operator()(const ClientKey& key) const;
    };

    std::deque<Identity> storage_;
    std::unordered_map<std::string_view, const Identity*> users_;
    std::unordered_map<ClientKey, const Identity*, ClientKeyHash> clients_;
    std::unordered_set<std::string_view> client_usernames_;
    std::unordered_set<std::string_view> reserved_client_ids_;
    bool has_signed_ = false;
};

}  // namespace mqauth::identities
