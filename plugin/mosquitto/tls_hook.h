// SPDX-License-Identifier: Apache-2.0
#pragma once
// The plugin's way into the broker's TLS contexts. Mosquitto creates its listeners' SSL_CTXs
// after plugin init and offers no API to reach them, so the plugin registers an SSL_CTX ex_data
// index whose "new" callback OpenSSL runs inside every later SSL_CTX_new; there
// configure_tls_context (tls_context_setup.h) installs the plugin's TLS callbacks.
//
// Held by PluginState. Destroying it frees the index, so OpenSSL stops calling into the plugin
// before Mosquitto dlcloses it at exit.

namespace mqauth::adapter {

struct PluginState;

class TlsHook {
   public:
    // Throws std::runtime_error when OpenSSL refuses the index.
    explicit TlsHook(PluginState& state);
    ~TlsHook();
    TlsHook(const TlsHook&) = delete;
    TlsHook& operator=(const TlsHook&) = delete;

   private:
    int index_;
};

}  // namespace mqauth::adapter
