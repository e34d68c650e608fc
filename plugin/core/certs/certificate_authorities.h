// SPDX-License-Identifier: Apache-2.0
#pragma once
// The CAs listed in `ca_certificates`: the only anchors a device certificate may chain to. The
// listener has no cafile; mqauth verifies client certificates against this list itself.
#include <memory>
#include <string>
#include <vector>

#include "crypto/openssl_handles.h"

namespace mqauth::certs {

enum class CaStatus { Active, Inactive };

struct CertificateAuthority {
    std::string name;    // ca_name
    std::string serial;  // canonical hex: the ca_sn of the devices it issued
    CaStatus status = CaStatus::Active;
    crypto::X509Ptr certificate;
};

class CertificateAuthorities {
   public:
    CertificateAuthorities();

    // Lists a CA, active or not: inactive ones stay trusted for chain building so a refusal can
    // say "CA inactive" rather than "unknown CA".
    void add(CertificateAuthority authority);

    const CertificateAuthority* find_by_name(const std::string& name) const;
    // By canonical serial: how devices name their CA (ca_sn), whatever its ca_name is now.
    const CertificateAuthority* find_by_serial(const std::string& serial) const;
    // The listed CA whose certificate is `anchor` (the last element of a verified chain).
    const CertificateAuthority* find_by_certificate(const X509* anchor) const;

    // Every listed CA certificate, for X509_STORE_CTX_set0_trusted_stack. Owned by this list.
    STACK_OF(X509) * trusted() const { return trusted_.get(); }

    bool empty() const { return authorities_.empty(); }
    std::size_t size() const { return authorities_.size(); }
    const std::vector<std::unique_ptr<CertificateAuthority>>& all() const { return authorities_; }

   private:
    std::vector<std::unique_ptr<CertificateAuthority>> authorities_;
    crypto::X509StackPtr trusted_;
};

}  // namespace mqauth::certs
