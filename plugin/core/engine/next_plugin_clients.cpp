// SPDX-License-Identifier: Apache-2.0
#include "engine/next_plugin_clients.h"

#include <optional>

#include "engine/client_ids.h"

namespace mqauth::engine {
namespace {

// Why `policy` takes the client back from the next plugin; nullopt when it leaves it there.
std::optional<Reason> taken_back_by(const Policy& policy, const std::string& client_id,
                                    const std::string& username) {
    if (policy.unknown_usernames != UnknownUsernames::NextPlugin) return Reason::UnknownUsername;
    if (cannot_own_client_id(client_id, username, policy)) return Reason::ClientIdReserved;
    if (policy.identities.select(username, client_id) ||
        policy.identities.has_client_identities(username) || policy.sasl_users.find(username)) {
        return Reason::CredentialsChanged;  // the client must log in with mqauth's
    }
    return std::nullopt;
}

}  // namespace

void NextPluginClients::remember(ConnectionId connection, std::string client_id,
                                 std::string username) {
    clients_[connection] = Client{std::move(client_id), std::move(username)};
}

std::vector<Withdrawal> NextPluginClients::withdraw_under(const Policy& policy) {
    std::vector<Withdrawal> withdrawn;
    for (auto each = clients_.begin(); each != clients_.end();) {
        if (auto reason = taken_back_by(policy, each->second.client_id, each->second.username)) {
            withdrawn.push_back({each->second.client_id, *reason, true});
            each = clients_.erase(each);
        } else {
            ++each;
        }
    }
    return withdrawn;
}

}  // namespace mqauth::engine
