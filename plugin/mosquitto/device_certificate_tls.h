// SPDX-License-Identifier: Apache-2.0
#pragma once
// Client certificates verified by mqauth itself against `ca_certificates` during the handshake,
// so a listener with `require_certificate true` needs no cafile and its CA list follows the
// YAML on every reload. The outcome rides on the peer's X509 object to BASIC_AUTH.
#include <openssl/ssl.h>

#include "certs/device_verification.h"

namespace mqauth::adapter {

struct PluginState;

// An X509 ex_data slot holding the handshake's Verification of that certificate. The broker
// hands the same X509 object to BASIC_AUTH (mosquitto_client_certificate), so the slot ties the
// handshake to the client without knowing the broker's structs.
class VerifiedCertificates {
   public:
    VerifiedCertificates();  // throws when OpenSSL refuses the index
    ~VerifiedCertificates();
    VerifiedCertificates(const VerifiedCertificates&) = delete;
    VerifiedCertificates& operator=(const VerifiedCertificates&) = delete;

    void attach(X509* certificate, certs::Verification verification) const;
    // Null when this certificate was not verified in a handshake of this process (a resumed
    // TLS session carries a decoded copy of the certificate without the slot).
    const certs::Verification* find(X509* certificate) const;

   private:
    int index_ = -1;
};

void install_device_certificate_verification(SSL_CTX* context, PluginState& state);

}  // namespace mqauth::adapter
