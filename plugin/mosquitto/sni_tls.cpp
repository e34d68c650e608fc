// SPDX-License-Identifier: Apache-2.0
#include "sni_tls.h"

#include <openssl/err.h>
#include <openssl/tls1.h>

#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "broker_log.h"
#include "crypto/pem.h"
#include "plugin_state.h"
#include "sni/domain_name.h"

namespace mqauth::adapter {
namespace {

// An internal failure ends the handshake with an alert: a client never silently gets a
// certificate the operator did not choose for it.
int refuse(int* alert, std::string_view why, std::string_view detail = {}) noexcept {
    try {
        log_line(LogLevel::Error,
                 "TLS handshake refused: " + std::string(why) + std::string(detail));
    } catch (...) {
    }
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// OpenSSL keeps one certificate per key type and picks among them by the client's signature
// algorithms, so the listener's certfile is cleared first: left beside an SNI certificate of
// another key type, it could still be the one served. SSL_use_cert_and_key takes its own
// references (and a copy of the chain stack), so a reload may free this set while the
// connection lives on. SSL_set_SSL_CTX is not used: it broke client-certificate verification.
bool serve(SSL* ssl, const sni::ServerCertificate& certificate) {
    SSL_certs_clear(ssl);
    return SSL_use_cert_and_key(ssl, certificate.leaf.get(), certificate.key.get(),
                                certificate.chain.get(), 1) == 1;
}

// Runs once per ClientHello (twice after a HelloRetryRequest), on the broker's thread, after
// the extensions are parsed and before the certificate and cipher are chosen.
int select_certificate(SSL* ssl, int* alert, PluginState& state) {
    const char* sent = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    // An IP literal is no server name (sni::is_ip_literal): it neither picks a certificate by
    // name nor sends the client to the default authorizer.
    const char* name = sent && sni::is_ip_literal(sent) ? nullptr : sent;
    state.tls_connections.record(SSL_get_fd(ssl), name);
    const auto& certificates = state.engine->policy().sni;
    // NOACK is what OpenSSL does with no callback at all: the listener stays as configured.
    if (!certificates) return SSL_TLSEXT_ERR_NOACK;
    const auto server_name = name ? std::optional<std::string_view>(name) : std::nullopt;
    const sni::ServerCertificate* certificate = certificates->select(server_name);
    if (!certificate) return refuse(alert, "the sni section has no default certificate");
    if (!serve(ssl, *certificate)) {
        return refuse(alert, "cannot serve certificate \"" + certificate->id + "\": ",
                      crypto::take_openssl_error());
    }
    return SSL_TLSEXT_ERR_OK;  // acknowledges the name (RFC 6066: it was used)
}

int on_server_name(SSL* ssl, int* alert, void* arg) noexcept {
    // Bridges' client contexts get this callback too (OpenSSL runs it on both sides).
    if (!SSL_is_server(ssl)) return SSL_TLSEXT_ERR_NOACK;
    try {
        return select_certificate(ssl, alert, *static_cast<PluginState*>(arg));
    } catch (const std::exception& error) {
        return refuse(alert, "server name callback failed: ", error.what());
    } catch (...) {
        return refuse(alert, "server name callback failed: unknown exception");
    }
}

}  // namespace

void install_sni_selection(SSL_CTX* context, PluginState& state) {
    SSL_CTX_set_tlsext_servername_callback(context, on_server_name);
    SSL_CTX_set_tlsext_servername_arg(context, &state);
}

}  // namespace mqauth::adapter
