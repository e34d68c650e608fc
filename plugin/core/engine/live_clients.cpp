#include "engine/live_clients.h"

namespace mqauth::engine {

void LiveClients::admit(ConnectionId connection, Session session) {
    sessions_.insert_or_assign(connection, std::move(session));
}

void LiveClients::forget(ConnectionId connection) {
    sessions_.erase(connection);
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
