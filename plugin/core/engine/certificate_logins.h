// SPDX-License-Identifier: Apache-2.0
#pragma once
// CONNECTs that present a client certificate (SPEC "Who decides a CONNECT", step 1; ApsaraMQ for
// MQTT's device certificates): whatever username or password comes with it, the certificate
// decides. The chain was verified during the handshake; here the device is checked against the
// current policy, registered if it is new, and admitted.
#include <optional>

#include "certs/device_verification.h"
#include "engine/login_mechanism.h"
#include "registry/device_registry.h"

namespace mqauth::engine {

class CertificateLogins final : public LoginMechanism {
   public:
    explicit CertificateLogins(LoginServices& services) : services_(services) {}

    std::string_view step_name() const override { return "a device certificate"; }
    LoginKind kind_of(const ConnectRequest&, const Policy&) const override {
        return LoginKind::Certificate;
    }
    bool claims(const ConnectRequest& request, const Policy&) const override {
        return request.certificate != nullptr;
    }
    bool throttled() const override { return false; }
    Decision decide(const ConnectRequest& request,
                    const std::shared_ptr<const Policy>& policy) override;

   private:
    std::optional<Decision> enrol(const certs::VerifiedDevice& device, const Policy& policy);
    // What a registration's outcome means for the CONNECT (nullopt: go on), with its log line.
    std::optional<Decision> refusal_of(registry::RegistrationOutcome outcome,
                                       const certs::VerifiedDevice& device);

    LoginServices& services_;
};

}  // namespace mqauth::engine
