#pragma once
// The clients the engine has admitted and what admitted them, so that a reload can tell which
// of them the new policy no longer admits.
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/connect_request.h"
#include "identities/identity.h"

namespace mqauth::engine {

struct Session {
    std::string client_id;
    std::optional<std::string> username;
    // The identity that admitted the client, inside the current policy; nullptr for anonymous.
    const identities::Identity* identity = nullptr;
};

class LiveClients {
   public:
    void admit(ConnectionId connection, Session session);
    void forget(ConnectionId connection);
    std::size_t size() const { return sessions_.size(); }

    using Map = std::unordered_map<ConnectionId, Session>;
    Map& sessions() { return sessions_; }

   private:
    // Keyed by connection, not client id: on a session takeover the new connection is admitted
    // before the broker disconnects the old one holding the same client id.
    Map sessions_;
};

}  // namespace mqauth::engine
