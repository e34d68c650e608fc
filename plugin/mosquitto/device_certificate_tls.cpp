// SPDX-License-Identifier: Apache-2.0
#include "device_certificate_tls.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "broker_log.h"
#include "certs/certificate_facts.h"
#include "certs/serial_number.h"
#include "engine/certificate_standing.h"
#include "fail_closed.h"
#include "plugin_state.h"
#include "registry/device_key.h"

namespace mqauth::adapter {
namespace {

// OpenSSL calls this for every X509 object freed while the index exists, mostly with no
// Verification attached.
void free_verification(void* /*parent*/, void* verification, CRYPTO_EX_DATA* /*ad*/, int /*index*/,
                       long /*argl*/, void* /*argp*/) {
    delete static_cast<certs::Verification*>(verification);
}

// "ADDRESS:PORT" of the TLS peer, for the refusal log line (no client id exists yet).
std::string peer_of(const SSL* ssl) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    const int fd = SSL_get_fd(ssl);
    if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
        return "unknown";
    }
    std::array<char, INET6_ADDRSTRLEN> text{};
    const void* address = nullptr;
    unsigned port = 0;
    if (peer.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&peer);
        address = &v4->sin_addr;
        port = ntohs(v4->sin_port);
    } else if (peer.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&peer);
        address = &v6->sin6_addr;
        port = ntohs(v6->sin6_port);
    }
    if (!address || !inet_ntop(peer.ss_family, address, text.data(), text.size())) return "unknown";
    return std::string(text.data()) + ":" + std::to_string(port);
}

void log_handshake_refusal(const SSL* ssl, X509_STORE_CTX* context,
                           const certs::Verification& verification) {
    const X509* leaf = X509_STORE_CTX_get0_cert(context);
    std::string device = "device_sn=(none)";
    if (verification.device) {
        device = registry::describe(verification.device->identity.key);
    } else if (leaf) {
        device = registry::describe(
            {certs::serial_of(leaf), certs::rfc2253_name(X509_get_issuer_name(leaf))});
    }
    // The issuer comes from the client and may not have verified: printable() keeps it one line.
    std::string line =
        "refused client certificate address=" + peer_of(ssl) + " " + printable_field(device) +
        " reason=" + std::string(engine::reason_code(engine::reason_for(verification.problem)));
    if (!verification.detail.empty()) line += " (" + verification.detail + ")";
    log_line(LogLevel::Notice, line);
}

int verify_device_certificate(PluginState& state, X509_STORE_CTX* context, const SSL* ssl) {
    const certs::CertificatePolicy& certificates = state.engine->policy().certificates;
    // No CA listed: device certificates are off, and a listener's own cafile verifies as usual.
    if (!certificates.configured()) return X509_verify_cert(context);
    certs::Verification verification = certs::verify_in_context(context, certificates);
    if (verification.problem != certs::CertificateProblem::None) {
        log_handshake_refusal(ssl, context, verification);
        return 0;
    }
    state.verified_certificates->attach(X509_STORE_CTX_get0_cert(context), std::move(verification));
    return 1;
}

// SSL_CTX_set_cert_verify_callback replaces OpenSSL's whole chain verification for the
// context; its answer (and the context's error, for the alert) decides the handshake. Nothing
// may unwind into OpenSSL: the body runs in the guard every callback uses, and a failure in it
// refuses the handshake with an unspecified error.
int on_verify_certificate(X509_STORE_CTX* context, void* argument) noexcept {
    constexpr int kBroken = -1;  // the guard's answer: not a verdict, an internal failure
    const int verdict = fail_closed("client certificate check", kBroken, [&] {
        const auto* ssl = static_cast<const SSL*>(
            X509_STORE_CTX_get_ex_data(context, SSL_get_ex_data_X509_STORE_CTX_idx()));
        if (!ssl || !SSL_is_server(ssl)) return X509_verify_cert(context);
        return verify_device_certificate(*static_cast<PluginState*>(argument), context, ssl);
    });
    if (verdict != kBroken) return verdict;
    X509_STORE_CTX_set_error(context, X509_V_ERR_UNSPECIFIED);
    return 0;  // fail closed
}

}  // namespace

VerifiedCertificates::VerifiedCertificates()
    : index_(CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, 0, nullptr, nullptr, nullptr,
                                     free_verification)) {
    if (index_ < 0) throw std::runtime_error("cannot register the certificate slot");
}

VerifiedCertificates::~VerifiedCertificates() {
    CRYPTO_free_ex_index(CRYPTO_EX_INDEX_X509, index_);
}

void VerifiedCertificates::attach(X509* certificate, certs::Verification verification) const {
    auto owned = std::make_unique<certs::Verification>(std::move(verification));
    auto* previous = static_cast<certs::Verification*>(X509_get_ex_data(certificate, index_));
    if (X509_set_ex_data(certificate, index_, owned.get()) != 1) {
        throw std::runtime_error("cannot attach a verification to a certificate");
    }
    owned.release();  // freed with the certificate (free_verification)
    delete previous;
}

const certs::Verification* VerifiedCertificates::find(X509* certificate) const {
    return static_cast<const certs::Verification*>(X509_get_ex_data(certificate, index_));
}

// Mosquitto's own SSL_CTX_set_verify, at start-up and again on SIGHUP, sets only the
// per-certificate callback (client_certificate_verify in net.c), so this whole-chain callback
// survives reloads.
void install_device_certificate_verification(SSL_CTX* context, PluginState& state) {
    SSL_CTX_set_cert_verify_callback(context, on_verify_certificate, &state);
}

}  // namespace mqauth::adapter
