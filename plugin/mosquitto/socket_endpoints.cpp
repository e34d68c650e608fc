// SPDX-License-Identifier: Apache-2.0
#include "socket_endpoints.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace mqauth::adapter {
namespace {

std::optional<Endpoint> endpoint_of(const sockaddr_storage& storage) {
    Endpoint endpoint;
    endpoint.family = storage.ss_family;
    if (storage.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(storage);
        endpoint.port = v4.sin_port;
        std::memcpy(endpoint.address.data(), &v4.sin_addr, sizeof v4.sin_addr);
        return endpoint;
    }
    if (storage.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(storage);
        endpoint.port = v6.sin6_port;
        std::memcpy(endpoint.address.data(), &v6.sin6_addr, sizeof v6.sin6_addr);
        return endpoint;
    }
    return std::nullopt;
}

template <typename Query>
std::optional<Endpoint> query_endpoint(int fd, Query query) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (query(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return std::nullopt;
    return endpoint_of(storage);
}

}  // namespace

std::optional<SocketEndpoints> socket_endpoints(int fd) {
    if (fd < 0) return std::nullopt;
    const auto local = query_endpoint(fd, ::getsockname);
    if (!local) return std::nullopt;
    const auto peer = query_endpoint(fd, ::getpeername);
    if (!peer) return std::nullopt;
    return SocketEndpoints{*local, *peer};
}

bool address_text_is(const Endpoint& endpoint, const char* text) {
    char buffer[INET6_ADDRSTRLEN];
    if (!text || !inet_ntop(endpoint.family, endpoint.address.data(), buffer, sizeof buffer)) {
        return false;
    }
    return std::strcmp(buffer, text) == 0;
}

}  // namespace mqauth::adapter
