// SPDX-License-Identifier: Apache-2.0
#include "engine/live_clients.h"

namespace mqauth::engine {

namespace {

void count(const std::array<metrics::Gauge*, kLoginKinds>& gauges, const Session& session,
           int delta) {
    if (!session.online) return;
    if (metrics::Gauge* gauge = gauges[static_cast<std::size_t>(session.counted_as)]) {
        gauge->add(delta);
    }
}

}  // namespace

void LiveClients::admit(ConnectionId connection, Session session) {
    if (const Session* replaced = find(connection)) count(gauges_, *replaced, -1);
    session.counted_as = session.admitted_by->kind();
    count(gauges_, session, +1);
    sessions_.insert_or_assign(connection, std::move(session));
}

void LiveClients::forget(ConnectionId connection) {
    if (const Session* gone = find(connection)) count(gauges_, *gone, -1);
    sessions_.erase(connection);
}

void LiveClients::go_offline(Session& session) {
    count(gauges_, session, -1);
    session.online = false;
}

const Session* LiveClients::find(ConnectionId connection) const {
    const auto it = sessions_.find(connection);
    return it == sessions_.end() ? nullptr : &it->second;
}

Session* LiveClients::find(ConnectionId connection) {
    const auto it = sessions_.find(connection);
    return it == sessions_.end() ? nullptr : &it->second;
}

}  // namespace mqauth::engine
