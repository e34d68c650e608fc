// SPDX-License-Identifier: Apache-2.0
#pragma once
// The built-in admissions (admission.h): one per way of logging in, and the withdrawn one.
#include <memory>
#include <string>

#include "certs/device_states.h"
#include "engine/admission.h"
#include "identities/identity.h"
#include "sasl/sasl_user_table.h"

namespace mqauth::engine {

// No username, while `anonymous: allow`.
class AnonymousAdmission final : public Admission {
   public:
    std::optional<Reason> readmit(const Session&, const Policy& next,
                                  const registry::DeviceRegistry*) override;
    LoginKind kind() const override { return LoginKind::Anonymous; }
    bool proves_client_id(const Policy&) const override { return false; }
};

// A USER or CLIENT identity's password (ORIGIN or SIGNED).
class IdentityAdmission final : public Admission {
   public:
    IdentityAdmission(const identities::Identity& identity, identities::SecretUsed used)
        : identity_(&identity), used_(used) {}
    std::optional<Reason> readmit(const Session& session, const Policy& next,
                                  const registry::DeviceRegistry*) override;
    std::optional<Reason> lapsed(identities::WallTime now) const override;
    LoginKind kind() const override;
    // A CLIENT identity is bound to the id, a SIGNED password computed over it.
    bool proves_client_id(const Policy&) const override;
    bool through_client_identity() const override;

   private:
    const identities::Identity* identity_;  // in the current policy
    identities::SecretUsed used_;           // Current or Previous: which of its secrets
};

// A SASL user, by a plain password or a SCRAM exchange.
class SaslAdmission final : public Admission {
   public:
    SaslAdmission(const sasl::SaslUser& user, sasl::CredentialsUsed used)
        : user_(&user), used_(used) {}
    std::optional<Reason> readmit(const Session& session, const Policy& next,
                                  const registry::DeviceRegistry*) override;
    std::optional<Reason> lapsed(identities::WallTime now) const override;
    LoginKind kind() const override;
    bool proves_client_id(const Policy&) const override { return false; }

   private:
    const sasl::SaslUser* user_;  // in the current policy
    sasl::CredentialsUsed used_;  // Current or Previous: which of its credentials
};

// A device certificate from a listed CA.
class CertificateAdmission final : public Admission {
   public:
    CertificateAdmission(certs::DeviceIdentity device, std::string common_name)
        : device_(std::move(device)), common_name_(std::move(common_name)) {}
    // The operator made the certificate INACTIVE or REVOKED, or its CA INACTIVE or unlisted, or
    // switched on bind_client_id_to_cn for a client whose id is not its CN.
    std::optional<Reason> readmit(const Session& session, const Policy& next,
                                  const registry::DeviceRegistry* registry) override;
    LoginKind kind() const override { return LoginKind::Certificate; }
    // Under bind_client_id_to_cn a session is admitted (and kept by reloads) only while its
    // client id is its certificate's CN.
    bool proves_client_id(const Policy& policy) const override;

   private:
    certs::DeviceIdentity device_;
    std::string common_name_;
};

// A custom authorizer's function (or its cached decision), by the authorizer's name.
class AuthorizerAdmission final : public Admission {
   public:
    explicit AuthorizerAdmission(std::string authorizer) : authorizer_(std::move(authorizer)) {}
    // The function's decision stands until the client reconnects, unless the operator took the
    // authorizer away or made it INACTIVE.
    std::optional<Reason> readmit(const Session&, const Policy& next,
                                  const registry::DeviceRegistry*) override;
    LoginKind kind() const override { return LoginKind::Authorizer; }
    // Its function decided on the client id.
    bool proves_client_id(const Policy&) const override { return true; }

   private:
    std::string authorizer_;
};

// A session a reload no longer admits, kept because Mosquitto still holds it (see
// Engine::replace_policy): it keeps no access at all, and holds no pointer into any policy.
class WithdrawnAdmission final : public Admission {
   public:
    explicit WithdrawnAdmission(Reason reason) : reason_(reason) {}
    std::optional<Reason> readmit(const Session&, const Policy&,
                                  const registry::DeviceRegistry*) override {
        return reason_;
    }
    LoginKind kind() const override { return LoginKind::Unknown; }  // never admits
    bool proves_client_id(const Policy&) const override { return false; }
    std::optional<Reason> withdrawal() const override { return reason_; }

   private:
    Reason reason_;
};

}  // namespace mqauth::engine
