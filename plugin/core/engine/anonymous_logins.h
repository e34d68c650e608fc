// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "engine/login_mechanism.h"

namespace mqauth::engine {

// CONNECTs with no username and no certificate: `anonymous: allow` or not.
class AnonymousLogins final : public LoginMechanism {
   public:
    explicit AnonymousLogins(LoginServices& services) : services_(services) {}

    std::string_view step_name() const override { return "anonymous access"; }
    LoginKind kind_of(const ConnectRequest&, const Policy&) const override {
        return LoginKind::Anonymous;
    }
    bool claims(const ConnectRequest& request, const Policy&) const override {
        return !request.username;
    }
    Decision decide(const ConnectRequest& request,
                    const std::shared_ptr<const Policy>& policy) override;

   private:
    LoginServices& services_;
};

}  // namespace mqauth::engine
