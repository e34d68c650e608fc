// SPDX-License-Identifier: Apache-2.0
#include "certs/certificate_facts.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>

#include <array>

#include "certs/serial_number.h"

namespace mqauth::certs {
namespace {

std::string format_tm(const std::tm& moment) {
    std::array<char, 32> text{};
    const std::size_t length =
        std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &moment);
    return std::string(text.data(), length);
}

std::string iso8601(const ASN1_TIME* time) {
    std::tm moment{};
    if (!time || ASN1_TIME_to_tm(time, &moment) != 1) return "";
    return format_tm(moment);
}

// The last CN is the most specific one when a subject (unusually) carries several.
std::string common_name_of(const X509* certificate) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    int found = -1;
    for (int at = -1; (at = X509_NAME_get_index_by_NID(subject, NID_commonName, at)) >= 0;) {
        found = at;
    }
    if (found < 0) return "";
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, found));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) return "";
    std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
    return name;
}

std::string fingerprint_of(const X509* certificate) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) return "";
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string text;
    for (unsigned int i = 0; i < length; ++i) {
        text += kHex[digest[i] >> 4];
        text += kHex[digest[i] & 0x0F];
    }
    return text;
}

}  // namespace

std::string rfc2253_name(const X509_NAME* name) {
    BIO* out = BIO_new(BIO_s_mem());
    if (!out) return "";
    std::string text;
    if (X509_NAME_print_ex(out, name, 0, XN_FLAG_RFC2253) >= 0) {
        char* data = nullptr;
        const long length = BIO_get_mem_data(out, &data);
        if (length > 0) text.assign(data, static_cast<std::size_t>(length));
    }
    BIO_free(out);
    return text;
}

CertificateFacts facts_of(const X509* certificate) {
    return {serial_of(certificate),
            rfc2253_name(X509_get_issuer_name(certificate)),
            common_name_of(certificate),
            iso8601(X509_get0_notBefore(certificate)),
            iso8601(X509_get0_notAfter(certificate)),
            fingerprint_of(certificate)};
}

std::string iso8601_utc(std::time_t moment) {
    std::tm broken_down{};
    gmtime_r(&moment, &broken_down);
    return format_tm(broken_down);
}

}  // namespace mqauth::certs
