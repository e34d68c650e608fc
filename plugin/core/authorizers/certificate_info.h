// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the function is told about a client certificate (one the listener verified itself, when
// no CA is listed in the policy): the facts, and a fingerprint that keys the decision cache.
#include <optional>
#include <string>

#include <openssl/x509.h>

namespace mqauth::authorizers {

struct CertificateInfo {
    std::string fingerprint_sha256;          // lower-case hex of the DER's SHA-256
    std::string serial;                      // canonical hex (certs/serial_number.h)
    std::optional<std::string> common_name;  // the subject's CN; null when none or not UTF-8
    std::optional<std::string> issuer;       // the issuer's DN (RFC 2253, non-ASCII escaped)
};

CertificateInfo certificate_info(const X509* certificate);

}  // namespace mqauth::authorizers
