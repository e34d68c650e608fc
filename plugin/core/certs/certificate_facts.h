#pragma once
// What mqauth records and reports about a certificate: serial, subject CN and validity, as text.
#include <ctime>
#include <string>

#include <openssl/x509.h>

namespace mqauth::certs {

struct CertificateFacts {
    std::string serial;       // canonical hex (serial_number.h)
    std::string common_name;  // the subject's last CN, "" when it has none
    std::string not_before;   // ISO 8601 UTC, e.g. 2026-11-23T10:00:00Z
    std::string not_after;
};

CertificateFacts facts_of(const X509* certificate);

// ISO 8601 UTC of a moment, the registry's timestamp format.
std::string iso8601_utc(std::time_t moment);

}  // namespace mqauth::certs
