// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the engine needs to know about a CONNECT, copied out of the broker's event by the adapter.
#include <cstdint>
#include <optional>
#include <string_view>

#include <openssl/x509.h>

#include "certs/device_verification.h"

namespace mqauth::engine {

// Identifies one live connection (the adapter uses the broker's client pointer). Unique while the
// connection lives; a later connection may reuse the value after `Engine::forget`.
using ConnectionId = std::uintptr_t;

enum class Link { Connected, Offline, Unknown };

struct ConnectRequest {
    ConnectionId connection = 0;
    std::string_view client_id;
    std::optional<std::string_view> username;
    std::optional<std::string_view> password;
    // The client's IP address, for failed-login throttling and authorizer functions.
    std::string_view address = {};
    // Set when the client presented a certificate: how its chain verified during the handshake.
    const certs::Verification* certificate = nullptr;
    // The TLS server name (SNI) the client asked for, when it connected over TLS, sent one, and
    // the adapter could tie its connection to the handshake. Carried for the authorizers.
    std::optional<std::string_view> server_name = {};
    // A client certificate the listener verified itself (no CA is listed in the policy, so the
    // device-certificate rules do not decide): its facts go to authorizer functions.
    const X509* peer_certificate = nullptr;
    // Whether the broker's client has a network connection, when the adapter can tell. A CONNECT
    // always arrives over one; Offline is Mosquitto re-checking an offline session it holds
    // (after a reload).
    Link link = Link::Unknown;
};

}  // namespace mqauth::engine
