#include "tls_hook.h"

#include <openssl/crypto.h>

#include <stdexcept>

#include "broker_log.h"
#include "device_certificate_tls.h"
#include "plugin_state.h"

namespace mqauth::adapter {
namespace {

// OpenSSL 3 runs this from CRYPTO_new_ex_data inside SSL_CTX_new_ex, for every SSL_CTX made
// after the index exists, with `parent` the new context. This relies on SSL_CTX_new_ex not
// resetting the verify and servername callbacks after that call (true for OpenSSL 3.0, the
// version Debian 12's Mosquitto links), and on Mosquitto never setting them itself: its
// SSL_CTX_set_verify at start and on SIGHUP only sets the per-certificate callback.
void on_new_ssl_context(void* parent, void* /*ptr*/, CRYPTO_EX_DATA* /*ad*/, int /*index*/,
                        long /*argl*/, void* argp) {
    try {
        configure_tls_context(static_cast<SSL_CTX*>(parent), *static_cast<PluginState*>(argp));
    } catch (const std::exception& error) {
        log_line(LogLevel::Error, std::string("cannot hook a TLS context: ") + error.what());
    } catch (...) {
        log_line(LogLevel::Error, "cannot hook a TLS context");
    }
}

}  // namespace

TlsHook::TlsHook(PluginState& state)
    : context_index_(CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, &state, on_new_ssl_context,
                                             nullptr, nullptr)) {
    if (context_index_ < 0) throw std::runtime_error("cannot register the TLS context hook");
}

// The broker unloads the plugin at exit: OpenSSL must not call into unloaded code when it
// creates or frees a context later.
TlsHook::~TlsHook() {
    CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL_CTX, context_index_);
}

// Bridges create client contexts through the same hook: each callback acts only where
// SSL_is_server and leaves client connections to OpenSSL's defaults.
void configure_tls_context(SSL_CTX* context, PluginState& state) {
    install_device_certificate_verification(context, state);
}

}  // namespace mqauth::adapter
