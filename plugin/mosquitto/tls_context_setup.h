// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the plugin installs on every TLS context the broker creates (listeners, and bridges'
// client contexts too: each installed callback acts only where SSL_is_server).
#include <openssl/ssl.h>

namespace mqauth::adapter {

struct PluginState;

void configure_tls_context(SSL_CTX* context, PluginState& state);

}  // namespace mqauth::adapter
