// SPDX-License-Identifier: Apache-2.0
#pragma once
// A certificate the broker can serve: the leaf, the chain that follows it in its file, and the
// private key, loaded and checked against each other at config load, never during a handshake.
#include <optional>
#include <string>
#include <string_view>

#include "crypto/openssl_handles.h"

namespace mqauth::sni {

struct ServerCertificate {
    std::string id;  // certificate_id
    crypto::X509Ptr leaf;
    // The rest of cert_file, in file order; empty, never null, when the file holds only the leaf.
    // (An empty chain tells OpenSSL to send exactly this, rather than build a chain from the
    // listener's CA store.)
    crypto::X509StackPtr chain;
    crypto::EvpPkeyPtr key;
};

struct CertificateLoad {
    enum class Culprit { None, CertFile, KeyFile };

    std::optional<ServerCertificate> certificate;
    Culprit culprit = Culprit::None;  // which file the error is about
    std::string error;                // never holds the password
};

// Reads both files; an empty `password` reads an unencrypted key only (never a prompt).
CertificateLoad load_server_certificate(std::string id, const std::string& cert_file,
                                        const std::string& key_file, std::string_view password);

// "expired on <date>" or "not valid before <date>" when the leaf is outside its validity period
// now; nullopt when it is valid. Serving it is the operator's call, so this is for a warning.
std::optional<std::string> validity_problem(const ServerCertificate& certificate);

}  // namespace mqauth::sni
