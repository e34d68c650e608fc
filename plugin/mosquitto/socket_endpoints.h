// SPDX-License-Identifier: Apache-2.0
#pragma once
// The two ends of a connected TCP socket, compared by value. Together with the descriptor they
// identify one connection at a time: what ties a handshake seen in an OpenSSL callback to the
// client Mosquitto asks about later, and what tells a reused descriptor from the old one.
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>

namespace mqauth::adapter {

struct Endpoint {
    sa_family_t family = AF_UNSPEC;  // AF_INET or AF_INET6
    std::uint16_t port = 0;          // network byte order: compared, never printed
    std::array<unsigned char, 16> address{};

    bool operator==(const Endpoint& other) const {
        return family == other.family && port == other.port && address == other.address;
    }
    bool operator!=(const Endpoint& other) const { return !(*this == other); }
};

struct SocketEndpoints {
    Endpoint local;
    Endpoint peer;

    bool operator==(const SocketEndpoints& other) const {
        return local == other.local && peer == other.peer;
    }
    bool operator!=(const SocketEndpoints& other) const { return !(*this == other); }
};

// getsockname and getpeername of `fd`; nullopt unless it is a connected IPv4 or IPv6 socket.
std::optional<SocketEndpoints> socket_endpoints(int fd);

// True when `text` is the endpoint's address as Mosquitto writes a client's address
// (inet_ntop of getpeername's address: net__socket_get_address in src/net.c).
bool address_text_is(const Endpoint& endpoint, const char* text);

}  // namespace mqauth::adapter
