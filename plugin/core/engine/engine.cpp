#include "engine/engine.h"

#include <stdexcept>

namespace mqauth::engine {

using identities::Identity;

Engine::Engine(std::shared_ptr<const Policy> policy) : policy_(std::move(policy)) {
    if (!policy_) throw std::invalid_argument("Engine needs a policy");
}

Decision Engine::authenticate(const ConnectRequest& request) {
    return request.username ? authenticate_identity(request) : authenticate_anonymous(request);
}

Decision Engine::authenticate_anonymous(const ConnectRequest& request) {
    if (policy_->anonymous != AnonymousAccess::Allow)
        return Decision::deny(Reason::AnonymousDenied);
    live_.admit(request.connection, Session{std::string(request.client_id), std::nullopt, nullptr});
    return Decision::allow();
}

Decision Engine::authenticate_identity(const ConnectRequest& request) {
    const std::string_view username = *request.username;
    const Identity* identity = policy_->identities.select(username, request.client_id);
    if (!identity) {
        return Decision::deny(policy_->identities.has_client_identities(username)
                                  ? Reason::ClientIdNotBound
                                  : Reason::UnknownUsername);
    }
    if (!request.password) return Decision::deny(Reason::MissingPassword);
    if (!identities::password_matches(*identity, *request.password, request.client_id)) {
        return Decision::deny(Reason::BadPassword);
    }
    live_.admit(request.connection,
                Session{std::string(request.client_id), std::string(username), identity});
    return Decision::allow();
}

Decision Engine::authorize(const AccessRequest& request) const {
    const permissions::Subject subject{request.username, request.client_id};
    return policy_->permissions.permits(request.access, request.topic, subject)
               ? Decision::allow()
               : Decision::deny(Reason::TopicDenied);
}

void Engine::forget(ConnectionId connection) {
    live_.forget(connection);
}

std::optional<Reason> Engine::withdrawal_reason(Session& session, const Policy& next) const {
    if (!session.identity) {
        if (next.anonymous == AnonymousAccess::Allow) return std::nullopt;
        return Reason::AnonymousWithdrawn;
    }
    const Identity* successor = next.identities.select(*session.username, session.client_id);
    if (!successor) return Reason::IdentityRemoved;
    if (!identities::same_credentials(*session.identity, *successor)) {
        return Reason::CredentialsChanged;
    }
    session.identity = successor;  // keep pointing into the policy that stays
    return std::nullopt;
}

std::vector<Withdrawal> Engine::replace_policy(std::shared_ptr<const Policy> policy) {
    if (!policy) throw std::invalid_argument("replace_policy needs a policy");
    std::vector<Withdrawal> withdrawn;
    auto& sessions = live_.sessions();
    for (auto it = sessions.begin(); it != sessions.end();) {
        if (auto reason = withdrawal_reason(it->second, *policy)) {
            withdrawn.push_back({std::move(it->second.client_id), *reason});
            it = sessions.erase(it);
        } else {
            ++it;
        }
    }
    policy_ = std::move(policy);
    return withdrawn;
}

}  // namespace mqauth::engine
