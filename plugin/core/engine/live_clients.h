#pragma once
// The clients the engine has admitted and what admitted them, so that a reload can tell which
// of them the new policy no longer admits.
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "certs/device_states.h"
#include "engine/access_cache.h"
#include "engine/connect_request.h"
#include "identities/identity.h"
#include "sasl/sasl_user_table.h"

namespace mqauth::engine {

struct AnonymousAdmission {};

struct CertificateAdmission {
    certs::DeviceKey device;
    std::string ca_name;
    std::string common_name;  // for bind_client_id_to_cn, which a reload may switch on
};

// A custom authorizer's function (or its cached decision), by the authorizer's name.
struct AuthorizerAdmission {
    std::string authorizer;
};

// What admitted a client; the pointers point into the current policy.
using Admission = std::variant<AnonymousAdmission, const identities::Identity*,
                               const sasl::SaslUser*, CertificateAdmission, AuthorizerAdmission>;

struct Session {
    std::string client_id;
    std::optional<std::string> username;
    Admission admitted_by;
    AccessCache recent_access = {};
    std::optional<std::string> server_name = {};  // the SNI of its CONNECT, if known
};

class LiveClients {
   public:
    void admit(ConnectionId connection, Session session);
    void forget(ConnectionId connection);
    const Session* find(ConnectionId connection) const;
    Session* find(ConnectionId connection);
    std::size_t size() const { return sessions_.size(); }

    using Map = std::unordered_map<ConnectionId, Session>;
    Map& sessions() { return sessions_; }

   private:
    // Keyed by connection, not client id: on a session takeover the new connection is admitted
    // before the broker disconnects the old one holding the same client id.
    Map sessions_;
};

}  // namespace mqauth::engine
