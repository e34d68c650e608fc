// SPDX-License-Identifier: Apache-2.0
#pragma once
// CONNECTs with a username and no certificate that no authorizer claims (SPEC "Who decides a
// CONNECT", step 3): a CLIENT identity of this username and client id, else a USER identity
// (ApsaraMQ for MQTT's AddCustomAuthIdentity, ORIGIN or SIGNED), else a `plain` SASL user
// (ApsaraMQ for Kafka's CreateSaslUser).
#include "engine/login_mechanism.h"
#include "identities/identity.h"
#include "sasl/plain_login_cache.h"
#include "sasl/sasl_user_table.h"

namespace mqauth::engine {

class PasswordLogins final : public LoginMechanism {
   public:
    explicit PasswordLogins(LoginServices& services) : services_(services) {}

    std::string_view step_name() const override { return "a username and password"; }
    // An identity's sign mode, a plain SASL user, or a username nobody has.
    LoginKind kind_of(const ConnectRequest& request, const Policy& policy) const override;
    bool claims(const ConnectRequest& request, const Policy&) const override {
        return request.username.has_value();
    }
    Decision decide(const ConnectRequest& request,
                    const std::shared_ptr<const Policy>& policy) override;

   private:
    Decision identity_login(const ConnectRequest& request, const identities::Identity& identity);
    Decision plain_sasl_login(const ConnectRequest& request, const sasl::SaslUser& user,
                              long long& spent);
    // Which of the user's credentials the password matches; `spent` is what checking it cost
    // (sasl::verification_cost), 0 when the cache answered.
    sasl::CredentialsUsed plain_credentials(const sasl::SaslUser& user, std::string_view password,
                                            long long& spent);

    LoginServices& services_;
    sasl::PlainLoginCache plain_logins_;
};

}  // namespace mqauth::engine
