// SPDX-License-Identifier: Apache-2.0
#pragma once
// What each TLS client asked for in its handshake, by socket descriptor, so that later events
// (which name only the client) can learn its server name. Written in the OpenSSL servername
// callback, read in BASIC_AUTH, dropped on DISCONNECT.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socket_endpoints.h"

namespace mqauth::adapter {

class TlsConnections {
   public:
    // A server handshake on `fd` reached the point where the client's server name is known
    // (`server_name` null: it sent none). Replaces whatever an earlier connection on the same
    // descriptor left behind.
    void record(int fd, const char* server_name);

    // The server name recorded for `fd`, only if the socket still has the ends it had during
    // that handshake: a descriptor the kernel has since given to another connection (whose own
    // handshake, if it is TLS, would have replaced the record) does not match.
    std::optional<std::string_view> server_name(int fd, const SocketEndpoints& now) const;

    bool knows(int fd) const;  // anything recorded for `fd`, matching or not
    void forget(int fd, const SocketEndpoints& now);

   private:
    struct Handshake {
        bool in_use = false;
        SocketEndpoints endpoints;
        bool sent_name = false;
        std::string name;  // keeps its capacity when the slot is reused
    };
    const Handshake* matching(int fd, const SocketEndpoints& now) const;

    // Indexed by descriptor: the kernel hands out the lowest free one, so this stays as long as
    // the most connections ever open at once, and a slot is reused without allocating.
    std::vector<Handshake> by_fd_;
};

// Descriptors above this are not tracked (their clients simply have no known server name): a
// bound on the table whatever the process's descriptor limit.
inline constexpr int kMaxTrackedDescriptor = 1 << 20;

}  // namespace mqauth::adapter
