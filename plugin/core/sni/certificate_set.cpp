// SPDX-License-Identifier: Apache-2.0
#include "sni/certificate_set.h"

namespace mqauth::sni {

bool CertificateSet::add_certificate(ServerCertificate certificate) {
    if (by_id_.count(certificate.id) != 0) return false;
    const ServerCertificate& stored = certificates_.emplace_back(std::move(certificate));
    by_id_.emplace(stored.id, &stored);
    return true;
}

const ServerCertificate* CertificateSet::find(std::string_view id) const {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

CertificateSet::Mapping CertificateSet::add_domain(const DomainPattern& pattern,
                                                   std::string_view certificate_id) {
    const ServerCertificate* certificate = find(certificate_id);
    if (!certificate) return Mapping::UnknownCertificate;
    Index& index = pattern.wildcard ? wildcards_ : exact_;
    if (index.count(pattern.name) != 0) return Mapping::DuplicateDomain;
    index.emplace(names_.emplace_back(pattern.name), certificate);
    return Mapping::Added;
}

bool CertificateSet::set_default(std::string_view certificate_id) {
    default_ = find(certificate_id);
    return default_ != nullptr;
}

const ServerCertificate* CertificateSet::select(
    std::optional<std::string_view> server_name) const noexcept {
    if (!server_name) return default_;
    NameBuffer buffer;
    const auto name = normalise_server_name(*server_name, buffer);
    if (!name) return default_;
    if (const auto exact = exact_.find(*name); exact != exact_.end()) return exact->second;
    // A wildcard stands for one whole, valid label: "a.b.example.com" and ".example.com" are not
    // covered by "*.example.com", and neither is "example.com" itself.
    const std::size_t dot = name->find('.');
    if (dot != std::string_view::npos && is_dns_label(name->substr(0, dot))) {
        const auto wildcard = wildcards_.find(name->substr(dot + 1));
        if (wildcard != wildcards_.end()) return wildcard->second;
    }
    return default_;
}

}  // namespace mqauth::sni
