// SPDX-License-Identifier: Apache-2.0
#pragma once
// Ties a Mosquitto client to the TLS handshake recorded for its socket. Mosquitto 2.0 has no API
// for a client's socket (2.1 adds mosquitto_client_port), so this reads it from the broker's
// struct and trusts it only after checking it at runtime; when anything does not add up, the
// client simply has no known server name.
#include <optional>
#include <string_view>

#include "engine/connect_request.h"
#include "tls_connections.h"

struct mosquitto;

namespace mqauth::adapter {

// The server name the client sent in its TLS handshake; nullopt when it sent none, did not use
// TLS, or its connection cannot be tied to a handshake with certainty. Valid until `connections`
// changes.
std::optional<std::string_view> client_server_name(const TlsConnections& connections,
                                                   const mosquitto* client);

// Offline for an offline session Mosquitto holds (its socket is INVALID_SOCKET), Connected when
// it has a socket, Unknown when the broker's struct cannot be read with certainty.
engine::Link client_link(const mosquitto* client);

// The client is going away (DISCONNECT, while its socket is still open): drop its record.
void forget_client_connection(TlsConnections& connections, const mosquitto* client);

}  // namespace mqauth::adapter
