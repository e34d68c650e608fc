// SPDX-License-Identifier: Apache-2.0
#pragma once
// The connected clients mqauth left to the next plugin (`unknown_usernames: next_plugin`). The
// plugin that admitted them answers for them; mqauth keeps them only to withdraw them when a
// reload makes them its own (their username gains an entry, their client id is reserved to
// CLIENT identities) or switches the option off. Mosquitto re-checks them after a reload, but
// against the policy still in force then: the new one is swapped in later (background_reload.h).
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/connect_request.h"
#include "engine/withdrawal.h"
#include "policy.h"

namespace mqauth::engine {

class NextPluginClients {
   public:
    void remember(ConnectionId connection, std::string client_id, std::string username);
    void forget(ConnectionId connection) { clients_.erase(connection); }
    // The clients `policy` no longer leaves to the next plugin, forgotten here.
    std::vector<Withdrawal> withdraw_under(const Policy& policy);
    std::size_t size() const { return clients_.size(); }

   private:
    struct Client {
        std::string client_id;
        std::string username;
    };
    std::unordered_map<ConnectionId, Client> clients_;
};

}  // namespace mqauth::engine
