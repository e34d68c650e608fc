// SPDX-License-Identifier: Apache-2.0
#include "certs/certificate_authorities.h"

#include "crypto/crypto_error.h"

namespace mqauth::certs {

CertificateAuthorities::CertificateAuthorities() : trusted_(sk_X509_new_null()) {
    if (!trusted_) throw crypto::CryptoError("cannot allocate a certificate stack");
}

void CertificateAuthorities::add(CertificateAuthority authority) {
    crypto::X509Ptr reference = crypto::share(authority.certificate.get());
    if (!sk_X509_push(trusted_.get(), reference.get())) {
        throw crypto::CryptoError("cannot grow a certificate stack");
    }
    reference.release();  // the stack owns it now
    authorities_.push_back(std::make_unique<CertificateAuthority>(std::move(authority)));
}

const CertificateAuthority* CertificateAuthorities::find_by_name(const std::string& name) const {
    for (const auto& authority : authorities_) {
        if (authority->name == name) return authority.get();
    }
    return nullptr;
}

const CertificateAuthority* CertificateAuthorities::find_by_serial(
    const std::string& serial) const {
    for (const auto& authority : authorities_) {
        if (authority->serial == serial) return authority.get();
    }
    return nullptr;
}

// A verified chain ends in one of our own X509 objects (the trusted stack holds references to
// them), but compare contents too so a decoded copy of the same certificate is found as well.
const CertificateAuthority* CertificateAuthorities::find_by_certificate(const X509* anchor) const {
    for (const auto& authority : authorities_) {
        if (authority->certificate.get() == anchor) return authority.get();
    }
    for (const auto& authority : authorities_) {
        if (X509_cmp(authority->certificate.get(), anchor) == 0) return authority.get();
    }
    return nullptr;
}

}  // namespace mqauth::certs
