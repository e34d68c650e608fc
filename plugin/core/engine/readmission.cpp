#include "engine/readmission.h"

#include "engine/certificate_standing.h"
#include "engine/client_ids.h"

namespace mqauth::engine {
namespace {

using identities::Identity;
using sasl::SaslUser;

struct Readmit {
    Session& session;
    const Policy& next;
    const certs::DeviceRegistry* registry;

    std::optional<Reason> operator()(AnonymousAdmission) const {
        if (next.anonymous == AnonymousAccess::Allow) return std::nullopt;
        return Reason::AnonymousWithdrawn;
    }

    std::optional<Reason> operator()(const Identity* before) const {
        const Identity* after = next.identities.select(*session.username, session.client_id);
        if (!after) return Reason::IdentityRemoved;
        if (!identities::same_credentials(*before, *after)) return Reason::CredentialsChanged;
        session.admitted_by = after;
        return std::nullopt;
    }

    std::optional<Reason> operator()(const SaslUser* before) const {
        // An identity of this username and client id now decides a plain login (it comes first
        // in the CONNECT order); SCRAM logins come before identities and are unaffected.
        if (before->type == sasl::SaslType::Plain &&
            next.identities.select(*session.username, session.client_id)) {
            return Reason::CredentialsChanged;
        }
        const SaslUser* after = next.sasl_users.find(*session.username);
        if (!after) return Reason::IdentityRemoved;
        if (!sasl::same_sasl_user(*before, *after)) return Reason::CredentialsChanged;
        session.admitted_by = after;
        return std::nullopt;
    }

    // The operator made the certificate INACTIVE or REVOKED, or its CA INACTIVE or unlisted,
    // or switched on bind_client_id_to_cn for a client whose id is not its CN.
    std::optional<Reason> operator()(const CertificateAdmission& admitted) const {
        if (auto refusal = certificate_refusal(admitted.device, next, registry)) {
            return refusal;
        }
        if (next.certificates.bind_client_id_to_cn && session.client_id != admitted.common_name) {
            return Reason::ClientIdNotCommonName;
        }
        return std::nullopt;
    }

    // The function's decision stands until the client reconnects, unless the operator took the
    // authorizer away or made it INACTIVE.
    std::optional<Reason> operator()(const AuthorizerAdmission& admitted) const {
        const authorizers::Authorizer* after = next.authorizers.find(admitted.authorizer);
        if (!after) return Reason::AuthorizerRemoved;
        if (!after->active()) return Reason::AuthorizerInactive;
        return std::nullopt;
    }

    std::optional<Reason> operator()(const WithdrawnAdmission& withdrawn) const {
        return withdrawn.reason;
    }
};

}  // namespace

std::optional<Reason> withdrawal_reason(Session& session, const Policy& next,
                                        const certs::DeviceRegistry* registry) {
    if (auto reason = std::visit(Readmit{session, next, registry}, session.admitted_by)) {
        return reason;
    }
    if (takes_reserved_client_id(session, next)) return Reason::ClientIdReserved;
    session.client_id_proven = proves_client_id(session.admitted_by, next);
    return std::nullopt;
}

}  // namespace mqauth::engine
