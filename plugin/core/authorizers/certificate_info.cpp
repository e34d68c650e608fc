// SPDX-License-Identifier: Apache-2.0
#include "authorizers/certificate_info.h"

#include <openssl/err.h>

#include "certs/certificate_facts.h"
#include "certs/serial_number.h"
#include "crypto/crypto_error.h"
#include "crypto/openssl_handles.h"
#include "yaml/text_rules.h"

namespace mqauth::authorizers {
namespace {

std::string sha256_fingerprint(const X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) {
        ERR_clear_error();
        throw crypto::CryptoError("cannot fingerprint a certificate");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0x0F];
    }
    return hex;
}

std::optional<std::string> issuer_of(const X509* certificate) {
    crypto::BioPtr out(BIO_new(BIO_s_mem()));
    if (!out) throw crypto::CryptoError("BIO_new failed");
    // RFC 2253 with its escaping of bytes above 0x7F: the result is ASCII, so valid JSON text.
    if (X509_NAME_print_ex(out.get(), X509_get_issuer_name(certificate), 0, XN_FLAG_RFC2253) < 0) {
        ERR_clear_error();
        return std::nullopt;
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(out.get(), &data);
    if (length <= 0) return std::nullopt;
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

CertificateInfo certificate_info(const X509* certificate) {
    CertificateInfo info;
    info.fingerprint_sha256 = sha256_fingerprint(certificate);
    info.serial = certs::serial_of(certificate);
    const std::string common_name = certs::facts_of(certificate).common_name;
    if (!common_name.empty() && yaml::is_valid_utf8(common_name)) info.common_name = common_name;
    info.issuer = issuer_of(certificate);
    return info;
}

}  // namespace mqauth::authorizers
