// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `sni:` section once loaded: certificates by id, domain names and one-label wildcards mapped
// to them, and the default. Immutable after load; a reload builds a new set inside a new Policy.
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sni/domain_name.h"
#include "sni/server_certificate.h"

namespace mqauth::sni {

class CertificateSet {
   public:
    CertificateSet() = default;
    CertificateSet(const CertificateSet&) = delete;  // the maps point into the deques
    CertificateSet& operator=(const CertificateSet&) = delete;
    CertificateSet(CertificateSet&&) = default;  // moving a deque keeps its elements in place
    CertificateSet& operator=(CertificateSet&&) = default;

    bool add_certificate(ServerCertificate certificate);  // false for a duplicate id
    const ServerCertificate* find(std::string_view id) const;

    enum class Mapping { Added, DuplicateDomain, UnknownCertificate };
    Mapping add_domain(const DomainPattern& pattern, std::string_view certificate_id);

    bool set_default(std::string_view certificate_id);  // false for an unknown id

    // The certificate for the server name a client sent: an exact name first, then the wildcard
    // of the name without its first label, else the default (also when no name was sent, or one
    // no DNS name can be). Two hash lookups, no allocation. Null only before set_default.
    const ServerCertificate* select(std::optional<std::string_view> server_name) const noexcept;

    std::size_t certificate_count() const { return certificates_.size(); }
    std::size_t domain_count() const { return exact_.size() + wildcards_.size(); }

   private:
    using Index = std::unordered_map<std::string_view, const ServerCertificate*>;

    std::deque<ServerCertificate> certificates_;
    Index by_id_;
    std::deque<std::string> names_;  // the keys of exact_ and wildcards_ point into these
    Index exact_;
    Index wildcards_;  // "*.example.com" is keyed "example.com"
    const ServerCertificate* default_ = nullptr;
};

}  // namespace mqauth::sni
