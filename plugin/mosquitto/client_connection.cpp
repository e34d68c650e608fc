// SPDX-License-Identifier: Apache-2.0
#include "client_connection.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>

#include <cstring>

namespace mqauth::adapter {
namespace {

// Mosquitto 2.0.x built WITH_EPOLL (Debian's broker is: it links epoll_create and has
// mux_epoll__*) starts struct mosquitto with `int ident; mosq_sock_t sock;`
// (lib/mosquitto_internal.h: ident "*must* be the first element"), and context__init sets
// ident to id_client, 2 (src/mosquitto_broker_internal.h). A build without epoll starts with
// sock instead; the ident check and the address check below catch that (and any other layout),
// and the client then has no known server name rather than another client's.
struct MosquittoHead {
    int ident;
    int sock;
};
constexpr int kIdentClient = 2;

std::optional<MosquittoHead> head_of(const mosquitto* client) {
    if (!client) return std::nullopt;
    MosquittoHead head;
    std::memcpy(&head, client, sizeof head);  // the struct is far larger than its head
    if (head.ident != kIdentClient) return std::nullopt;
    return head;
}

std::optional<int> descriptor_of(const mosquitto* client) {
    const auto head = head_of(client);
    if (!head || head->sock < 0) return std::nullopt;
    return head->sock;
}

// The socket's ends, if its peer is the address Mosquitto holds for this client.
std::optional<SocketEndpoints> verified_endpoints(const mosquitto* client, int fd) {
    auto endpoints = socket_endpoints(fd);
    if (!endpoints || !address_text_is(endpoints->peer, mosquitto_client_address(client))) {
        return std::nullopt;
    }
    return endpoints;
}

}  // namespace

std::optional<std::string_view> client_server_name(const TlsConnections& connections,
                                                   const mosquitto* client) {
    const auto fd = descriptor_of(client);
    // Only a descriptor with a recorded handshake is worth two system calls: plain-TCP clients
    // skip them.
    if (!fd || !connections.knows(*fd)) return std::nullopt;
    const auto endpoints = verified_endpoints(client, *fd);
    if (!endpoints) return std::nullopt;
    return connections.server_name(*fd, *endpoints);
}

// net__socket_close sets sock to INVALID_SOCKET (-1) when a client disconnects; a session
// restored from the persistence file never had one.
engine::Link client_link(const mosquitto* client) {
    const auto head = head_of(client);
    if (!head) return engine::Link::Unknown;
    return head->sock == -1 ? engine::Link::Offline : engine::Link::Connected;
}

void forget_client_connection(TlsConnections& connections, const mosquitto* client) {
    const auto fd = descriptor_of(client);
    if (!fd || !connections.knows(*fd)) return;
    if (const auto endpoints = verified_endpoints(client, *fd)) {
        connections.forget(*fd, *endpoints);
    }
}

}  // namespace mqauth::adapter
