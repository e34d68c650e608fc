#include "engine/client_ids.h"

namespace mqauth::engine {
namespace {

using identities::Identity;
using identities::IdentityType;
using identities::SignMode;

struct ProvesClientId {
    const Policy& policy;

    bool operator()(const Identity* identity) const {
        return identity->type == IdentityType::Client || identity->sign_mode == SignMode::Signed;
    }
    // A session under bind_client_id_to_cn is admitted (and kept by reloads) only while its
    // client id is its certificate's CN.
    bool operator()(const CertificateAdmission&) const {
        return policy.certificates.bind_client_id_to_cn;
    }
    bool operator()(const AuthorizerAdmission&) const { return true; }
    bool operator()(AnonymousAdmission) const { return false; }
    bool operator()(const sasl::SaslUser*) const { return false; }
    bool operator()(const WithdrawnAdmission&) const { return false; }
};

}  // namespace

bool proves_client_id(const Admission& admission, const Policy& policy) {
    return std::visit(ProvesClientId{policy}, admission);
}

bool takes_reserved_client_id(const Session& session, const Policy& policy) {
    if (!policy.identities.reserves_client_id(session.client_id)) return false;
    const auto* identity = std::get_if<const Identity*>(&session.admitted_by);
    return !(identity && (*identity)->type == IdentityType::Client);
}

bool cannot_own_client_id(std::string_view client_id, std::optional<std::string_view> username,
                          const Policy& policy) {
    if (!policy.identities.reserves_client_id(client_id)) return false;
    const Identity* identity = username ? policy.identities.select(*username, client_id) : nullptr;
    return !(identity && identity->type == IdentityType::Client);
}

}  // namespace mqauth::engine
