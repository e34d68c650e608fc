// SPDX-License-Identifier: Apache-2.0
#pragma once
// What mqauth records and reports about a certificate: serial, issuer, subject CN, validity and
// fingerprint, as text.
#include <ctime>
#include <string>

#include <openssl/x509.h>

namespace mqauth::certs {

struct CertificateFacts {
    std::string serial;       // canonical hex (serial_number.h)
    std::string issuer;       // RFC 2253, as `openssl x509 -noout -issuer -nameopt RFC2253`
    std::string common_name;  // the subject's last CN, "" when it has none
    std::string not_before;   // ISO 8601 UTC, e.g. 2026-11-23T10:00:00Z
    std::string not_after;
    std::string fingerprint;  // SHA-256 of the DER, upper-case hex without colons
};

// The RFC 2253 text of a name, exactly as `openssl ... -nameopt RFC2253` prints it (non-ASCII
// escaped as \XX), so an operator can paste one into the config.
std::string rfc2253_name(const X509_NAME* name);

CertificateFacts facts_of(const X509* certificate);

// ISO 8601 UTC of a moment, the registry's timestamp format.
std::string iso8601_utc(std::time_t moment);

}  // namespace mqauth::certs
