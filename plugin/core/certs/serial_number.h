// SPDX-License-Identifier: Apache-2.0
#pragma once
// Certificate serial numbers as operators see them: the hex `openssl x509 -serial` prints.
// Compared in a canonical form (upper case, no leading zeros), so "0a1b", "0A1B" and "A1B" name
// the same certificate.
#include <optional>
#include <string>
#include <string_view>

#include <openssl/x509.h>

namespace mqauth::certs {

// ApsaraMQ for MQTT's ActiveDeviceCertificate caps a CA serial at 128 bytes; serials are hex, two
// digits per byte.
constexpr std::size_t kMaxSerialHexDigits = 256;

// The canonical form of a hex serial; nullopt when it is empty, too long or not hex.
std::optional<std::string> canonical_serial(std::string_view hex);

// The certificate's serial in canonical form ("0" for a zero serial; negative serials, which
// RFC 5280 forbids but OpenSSL parses, keep a leading '-').
std::string serial_of(const X509* certificate);

}  // namespace mqauth::certs
