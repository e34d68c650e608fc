// SPDX-License-Identifier: Apache-2.0
#include "sni/server_certificate.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "crypto/crypto_error.h"
#include "crypto/pem.h"

namespace mqauth::sni {
namespace {

CertificateLoad failure(CertificateLoad::Culprit culprit, std::string error) {
    CertificateLoad load;
    load.culprit = culprit;
    load.error = std::move(error);
    return load;
}

crypto::X509StackPtr chain_of(std::vector<crypto::X509Ptr>& certificates) {
    crypto::X509StackPtr chain(sk_X509_new_null());
    if (!chain) throw crypto::CryptoError("out of memory for a certificate chain");
    for (std::size_t i = 1; i < certificates.size(); ++i) {
        if (sk_X509_push(chain.get(), certificates[i].get()) <= 0) {
            throw crypto::CryptoError("out of memory for a certificate chain");
        }
        certificates[i].release();  // the stack owns it now
    }
    return chain;
}

std::string time_text(const ASN1_TIME* time) {
    crypto::BioPtr out(BIO_new(BIO_s_mem()));
    if (!out || ASN1_TIME_print(out.get(), time) != 1) return "an unreadable date";
    char* data = nullptr;
    const long size = BIO_get_mem_data(out.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

CertificateLoad load_server_certificate(std::string id, const std::string& cert_file,
                                        const std::string& key_file, std::string_view password) {
    crypto::CertificateFile certificates = crypto::read_certificates(cert_file);
    if (!certificates.error.empty()) {
        return failure(CertificateLoad::Culprit::CertFile, certificates.error);
    }
    crypto::PrivateKeyFile key = crypto::read_private_key(key_file, password);
    if (!key.error.empty()) return failure(CertificateLoad::Culprit::KeyFile, key.error);

    X509* leaf = certificates.certificates.front().get();
    if (X509_check_private_key(leaf, key.key.get()) != 1) {
        ERR_clear_error();
        return failure(
            CertificateLoad::Culprit::KeyFile,
            key_file + " does not hold the private key of the first certificate in " + cert_file);
    }
    CertificateLoad load;
    load.certificate =
        ServerCertificate{std::move(id), std::move(certificates.certificates.front()),
                          chain_of(certificates.certificates), std::move(key.key)};
    return load;
}

std::optional<std::string> validity_problem(const ServerCertificate& certificate) {
    const ASN1_TIME* not_after = X509_get0_notAfter(certificate.leaf.get());
    if (X509_cmp_current_time(not_after) < 0) return "expired on " + time_text(not_after);
    const ASN1_TIME* not_before = X509_get0_notBefore(certificate.leaf.get());
    if (X509_cmp_current_time(not_before) > 0) return "not valid before " + time_text(not_before);
    return std::nullopt;
}

}  // namespace mqauth::sni
