// SPDX-License-Identifier: Apache-2.0
#pragma once
// Server-side SNI: in every server handshake, the certificate of the `sni:` section for the
// server name the client sent (the default when none matches or none is sent), and the name
// recorded for the client's later events. Without an `sni:` section the listener's own certfile
// is served untouched; the name is still recorded.
#include <openssl/ssl.h>

namespace mqauth::adapter {

struct PluginState;

// Takes the context's servername callback.
void install_sni_selection(SSL_CTX* context, PluginState& state);

}  // namespace mqauth::adapter
