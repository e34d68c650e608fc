// SPDX-License-Identifier: Apache-2.0
#include "engine/admissions.h"

#include "engine/certificate_standing.h"
#include "engine/live_clients.h"

namespace mqauth::engine {

using identities::IdentityType;
using identities::SignMode;

std::optional<Reason> AnonymousAdmission::readmit(const Session&, const Policy& next,
                                                  const registry::DeviceRegistry*) {
    if (next.anonymous == AnonymousAccess::Allow) return std::nullopt;
    return Reason::AnonymousWithdrawn;
}

std::optional<Reason> IdentityAdmission::readmit(const Session& session, const Policy& next,
                                                 const registry::DeviceRegistry*) {
    const identities::Identity* after =
        next.identities.select(*session.username, session.client_id);
    if (!after) return Reason::IdentityRemoved;
    const identities::SecretUsed used = identities::secret_after_reload(
        *identity_, used_, *after, std::chrono::system_clock::now());
    if (used == identities::SecretUsed::None) return Reason::CredentialsChanged;
    identity_ = after;
    used_ = used;
    return std::nullopt;
}

std::optional<Reason> IdentityAdmission::lapsed(identities::WallTime now) const {
    if (used_ != identities::SecretUsed::Previous || !identity_->previous ||
        identity_->previous->accepted_at(now)) {
        return std::nullopt;
    }
    return Reason::PreviousSecretExpired;
}

LoginKind IdentityAdmission::kind() const {
    return identity_->sign_mode == SignMode::Signed ? LoginKind::IdentitySigned
                                                    : LoginKind::IdentityOrigin;
}

LoginKind SaslAdmission::kind() const {
    return user_->type == sasl::SaslType::Scram ? LoginKind::SaslScram : LoginKind::SaslPlain;
}

bool IdentityAdmission::proves_client_id(const Policy&) const {
    return identity_->type == IdentityType::Client || identity_->sign_mode == SignMode::Signed;
}

bool IdentityAdmission::through_client_identity() const {
    return identity_->type == IdentityType::Client;
}

std::optional<Reason> SaslAdmission::readmit(const Session& session, const Policy& next,
                                             const registry::DeviceRegistry*) {
    // An identity of this username and client id now decides a plain login (it comes first in
    // the CONNECT order); SCRAM logins come before identities and are unaffected.
    if (user_->type == sasl::SaslType::Plain &&
        next.identities.select(*session.username, session.client_id)) {
        return Reason::CredentialsChanged;
    }
    const sasl::SaslUser* after = next.sasl_users.find(*session.username);
    if (!after) return Reason::IdentityRemoved;
    const sasl::CredentialsUsed used =
        sasl::credentials_after_reload(*user_, used_, *after, std::chrono::system_clock::now());
    if (used == sasl::CredentialsUsed::None) return Reason::CredentialsChanged;
    user_ = after;
    used_ = used;
    return std::nullopt;
}

std::optional<Reason> SaslAdmission::lapsed(identities::WallTime now) const {
    if (used_ != sasl::CredentialsUsed::Previous || !user_->previous ||
        user_->previous->accepted_at(now)) {
        return std::nullopt;
    }
    return Reason::PreviousSecretExpired;
}

std::optional<Reason> CertificateAdmission::readmit(const Session& session, const Policy& next,
                                                    const registry::DeviceRegistry* registry) {
    if (auto refusal = certificate_refusal(device_, next, registry)) return refusal;
    if (next.certificates.bind_client_id_to_cn && session.client_id != common_name_) {
        return Reason::ClientIdNotCommonName;
    }
    return std::nullopt;
}

bool CertificateAdmission::proves_client_id(const Policy& policy) const {
    return policy.certificates.bind_client_id_to_cn;
}

std::optional<Reason> AuthorizerAdmission::readmit(const Session&, const Policy& next,
                                                   const registry::DeviceRegistry*) {
    const authorizers::Authorizer* after = next.authorizers.find(authorizer_);
    if (!after) return Reason::AuthorizerRemoved;
    if (!after->active()) return Reason::AuthorizerInactive;
    return std::nullopt;
}

}  // namespace mqauth::engine
