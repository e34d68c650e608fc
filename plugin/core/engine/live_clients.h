// SPDX-License-Identifier: Apache-2.0
#pragma once
// The sessions the engine has admitted and what admitted them, so that a reload can tell which
// of them the new policy no longer admits. A session outlives its connection: Mosquitto keeps a
// persistent session (MQTT 5 session expiry > 0, or MQTT 3.1.1 clean session false) after its
// client disconnects, checks topic access for the messages it queues for it, and re-checks it
// after every reload.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/access_cache.h"
#include "engine/admission.h"
#include "engine/connect_request.h"
#include "engine/decision.h"
#include "engine/login_kind.h"
#include "metrics/instruments.h"

namespace mqauth::engine {

struct Session {
    std::string client_id;
    std::optional<std::string> username;
    std::unique_ptr<Admission> admitted_by;  // never null
    AccessCache recent_access = {};
    // Whether its login proved the client id (engine/client_ids.h): CLIENT rules apply then.
    bool client_id_proven = false;
    // False once the broker reported the connection gone (its DISCONNECT event); only
    // LiveClients::go_offline changes it, which keeps the live-clients metric.
    bool online = true;
    // How it logged in, as counted in the live-clients metric while it is online.
    LoginKind counted_as = LoginKind::Unknown;
    // Admitted after its authorizer's answer came in, until the broker confirms the client is
    // still there (Engine::connected).
    bool awaiting_connect = false;
    // The last re-check sweep (Engine::begin_session_recheck) that visited this session.
    std::uint64_t rechecked_in_sweep = 0;

    // Why a reload withdrew its access (it keeps none), if it did.
    std::optional<Reason> withdrawn() const { return admitted_by->withdrawal(); }
};

class LiveClients {
   public:
    // The gauges of the live-clients metric, one per login kind: online sessions, kept exact by
    // every change made here.
    void count_into(const std::array<metrics::Gauge*, kLoginKinds>& gauges) { gauges_ = gauges; }

    void admit(ConnectionId connection, Session session);
    void forget(ConnectionId connection);
    void go_offline(Session& session);
    // Drops every offline session `gone` says is gone.
    template <typename Predicate>
    void drop_offline_if(Predicate gone) {
        for (auto it = sessions_.begin(); it != sessions_.end();) {
            it = !it->second.online && gone(it->second) ? sessions_.erase(it) : std::next(it);
        }
    }
    const Session* find(ConnectionId connection) const;
    Session* find(ConnectionId connection);
    std::size_t size() const { return sessions_.size(); }

    using Map = std::unordered_map<ConnectionId, Session>;
    Map& sessions() { return sessions_; }
    const Map& sessions() const { return sessions_; }

   private:
    // Keyed by connection (the address of the broker's client struct), not client id: on a
    // session takeover the new connection is admitted before the broker disconnects the old one
    // holding the same client id. An offline session's entry may outlive its client struct
    // (Mosquitto frees an expired session without telling plugins); the address is then reused
    // by a later client, whose admission replaces the entry, and the next reload's re-check
    // sweep drops the rest, so the map never holds more entries than addresses Mosquitto has
    // given clients since the last reload.
    Map sessions_;
    std::array<metrics::Gauge*, kLoginKinds> gauges_{};
};

}  // namespace mqauth::engine
