// SPDX-License-Identifier: Apache-2.0
#include "tls_connections.h"

namespace mqauth::adapter {

void TlsConnections::record(int fd, const char* server_name) {
    if (fd < 0 || fd > kMaxTrackedDescriptor) return;
    const auto slot = static_cast<std::size_t>(fd);
    if (slot >= by_fd_.size()) by_fd_.resize(slot + 1);
    Handshake& handshake = by_fd_[slot];
    const auto endpoints = socket_endpoints(fd);
    handshake.in_use = endpoints.has_value();
    if (!endpoints) return;
    handshake.endpoints = *endpoints;
    handshake.sent_name = server_name != nullptr;
    handshake.name.assign(server_name ? server_name : "");
}

const TlsConnections::Handshake* TlsConnections::matching(int fd,
                                                          const SocketEndpoints& now) const {
    if (!knows(fd)) return nullptr;
    const Handshake& handshake = by_fd_[static_cast<std::size_t>(fd)];
    return handshake.endpoints == now ? &handshake : nullptr;
}

std::optional<std::string_view> TlsConnections::server_name(int fd,
                                                            const SocketEndpoints& now) const {
    const Handshake* handshake = matching(fd, now);
    if (!handshake || !handshake->sent_name) return std::nullopt;
    return std::string_view(handshake->name);
}

bool TlsConnections::knows(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < by_fd_.size() &&
           by_fd_[static_cast<std::size_t>(fd)].in_use;
}

void TlsConnections::forget(int fd, const SocketEndpoints& now) {
    if (matching(fd, now)) by_fd_[static_cast<std::size_t>(fd)].in_use = false;
}

}  // namespace mqauth::adapter
