#include "engine/live_clients.h"

namespace mqauth::engine {

void LiveClients::admit(ConnectionId connection, Session session) {
    sessions_.insert_or_assign(connection, std::move(session));
}

void LiveClients::forget(ConnectionId connection) {
    sessions_.erase(connection);
}

}  // namespace mqauth::engine
