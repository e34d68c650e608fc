#pragma once
// mqauth's way into the broker's TLS listeners. Mosquitto 2.0 creates each listener's SSL_CTX
// after plugin init and offers no API to reach it; an SSL_CTX ex_data index registered here
// makes OpenSSL call us for every SSL_CTX created afterwards, and there mqauth installs its
// callbacks (PLATFORM.md).
#include <openssl/ssl.h>

namespace mqauth::adapter {

struct PluginState;

class TlsHook {
   public:
    // Throws when OpenSSL refuses the index.
    explicit TlsHook(PluginState& state);
    ~TlsHook();
    TlsHook(const TlsHook&) = delete;
    TlsHook& operator=(const TlsHook&) = delete;

   private:
    int context_index_ = -1;
};

// Every callback mqauth puts on a new SSL_CTX, one installer per feature.
void configure_tls_context(SSL_CTX* context, PluginState& state);

}  // namespace mqauth::adapter
