// SPDX-License-Identifier: Apache-2.0
#include "tls_context_setup.h"

#include "device_certificate_tls.h"
#include "sni_tls.h"

namespace mqauth::adapter {

// One installer per TLS feature, each on its own OpenSSL callback.
void configure_tls_context(SSL_CTX* context, PluginState& state) {
    install_sni_selection(context, state);
    install_device_certificate_verification(context, state);
}

}  // namespace mqauth::adapter
