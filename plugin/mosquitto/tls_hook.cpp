// SPDX-License-Identifier: Apache-2.0
#include "tls_hook.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <exception>
#include <stdexcept>
#include <string>

#include "broker_log.h"
#include "plugin_state.h"
#include "tls_context_setup.h"

namespace mqauth::adapter {
namespace {

// OpenSSL 3 (and 1.1) calls this from SSL_CTX_new, with the new context as `parent`, and does
// not touch the callbacks installed here afterwards. OpenSSL 1.0 and LibreSSL reset the
// servername callback *after* running ex_data callbacks, so there this hook would silently do
// nothing: CMakeLists.txt requires OpenSSL 3. It returns nothing, so a failure can only be
// logged; no exception may reach OpenSSL.
void on_new_context(void* parent, void* /*item*/, CRYPTO_EX_DATA* /*data*/, int /*index*/,
                    long /*argl*/, void* argp) noexcept {
    try {
        configure_tls_context(static_cast<SSL_CTX*>(parent), *static_cast<PluginState*>(argp));
    } catch (const std::exception& error) {
        try {
            log_line(LogLevel::Error, std::string("TLS context setup failed: ") + error.what());
        } catch (...) {
        }
    } catch (...) {
        try {
            log_line(LogLevel::Error, "TLS context setup failed: unknown exception");
        } catch (...) {
        }
    }
}

}  // namespace

TlsHook::TlsHook(PluginState& state)
    : index_(CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, 0, &state, on_new_context, nullptr,
                                     nullptr)) {
    if (index_ < 0) throw std::runtime_error("OpenSSL gave no SSL_CTX ex_data index");
}

// No free or dup callback was registered, so OpenSSL never calls into the plugin when a context
// is freed (Mosquitto frees its listeners' contexts after plugin cleanup). Once the index is
// freed, contexts created later are left alone.
TlsHook::~TlsHook() {
    CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL_CTX, index_);
}

}  // namespace mqauth::adapter
