// SPDX-License-Identifier: Apache-2.0
#include "certs/serial_number.h"

#include <openssl/bn.h>

#include <memory>

#include "crypto/crypto_error.h"
#include "crypto/openssl_handles.h"

namespace mqauth::certs {
namespace {

bool is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char upper(char c) {
    return (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
}

void free_openssl_string(char* text) {
    OPENSSL_free(text);
}

}  // namespace

std::optional<std::string> canonical_serial(std::string_view hex) {
    if (hex.empty() || hex.size() > kMaxSerialHexDigits) return std::nullopt;
    std::string canonical;
    canonical.reserve(hex.size());
    for (char c : hex) {
        if (!is_hex_digit(c)) return std::nullopt;
        if (canonical.empty() && c == '0') continue;
        canonical.push_back(upper(c));
    }
    if (canonical.empty()) canonical = "0";
    return canonical;
}

std::string serial_of(const X509* certificate) {
    using BignumPtr = std::unique_ptr<BIGNUM, crypto::OpenSslFree<BN_free>>;
    BignumPtr number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
    if (!number) throw crypto::CryptoError("cannot read a certificate serial number");
    std::unique_ptr<char, crypto::OpenSslFree<free_openssl_string>> hex(BN_bn2hex(number.get()));
    if (!hex) throw crypto::CryptoError("cannot format a certificate serial number");
    std::string_view text(hex.get());
    const bool negative = !text.empty() && text.front() == '-';
    if (negative) text.remove_prefix(1);
    std::string canonical = canonical_serial(text).value_or("0");
    return negative ? "-" + canonical : canonical;
}

}  // namespace mqauth::certs
