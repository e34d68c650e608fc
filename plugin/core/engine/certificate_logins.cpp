// SPDX-License-Identifier: Apache-2.0
#include "engine/certificate_logins.h"

#include <ctime>

#include "engine/admissions.h"
#include "engine/certificate_standing.h"
#include "yaml/text_rules.h"

namespace mqauth::engine {
namespace {

registry::DeviceRecord record_of(const certs::VerifiedDevice& device) {
    registry::DeviceRecord record;
    record.key = device.identity.key;
    record.fingerprint = device.facts.fingerprint;
    record.ca_sn = device.identity.ca_sn;
    record.ca_name = device.ca_name;
    record.common_name = device.facts.common_name;
    record.not_before = device.facts.not_before;
    record.not_after = device.facts.not_after;
    record.first_seen = certs::iso8601_utc(std::time(nullptr));
    record.status = registry::DeviceStatus::Active;
    return record;
}

// The username the client ends up with: its own unless empty, else the certificate's CN, so
// permissions can name devices.
std::optional<std::string> username_for(const ConnectRequest& request,
                                        const certs::VerifiedDevice& device) {
    if (request.username && !request.username->empty()) return std::string(*request.username);
    if (device.facts.common_name.empty()) return std::nullopt;
    return device.facts.common_name;
}

}  // namespace

Decision CertificateLogins::decide(const ConnectRequest& request,
                                   const std::shared_ptr<const Policy>& policy) {
    const certs::Verification& verification = *request.certificate;
    if (!verification.device) return Decision::deny(reason_for(verification.problem));
    const certs::VerifiedDevice& device = *verification.device;
    // The CN may become the username and goes into the registry, as does the issuer: the broker
    // takes usernames as NUL-terminated UTF-8, and the registry holds UTF-8 text only.
    const std::string& common_name = device.facts.common_name;
    for (const std::string* text : {&common_name, &device.facts.issuer}) {
        if (text->find('\0') != std::string::npos || !yaml::is_valid_utf8(*text)) {
            return Decision::deny(Reason::CertificateInvalid);
        }
    }
    // Checked again, not trusted from the handshake: a reload may have come in between.
    if (auto refusal = certificate_refusal(device.identity, *policy, services_.device_registry())) {
        return Decision::deny(*refusal);
    }
    if (policy->certificates.bind_client_id_to_cn &&
        request.client_id != device.facts.common_name) {
        return Decision::deny(Reason::ClientIdNotCommonName);
    }
    if (auto failed = enrol(device, *policy)) return *failed;
    return services_.admit(
        request.connection,
        Session{std::string(request.client_id), username_for(request, device),
                std::make_unique<CertificateAdmission>(device.identity, common_name)});
}

// A first-seen certificate is admitted only once its registration is durable (DESIGN: a
// decision that depends on a write is not acknowledged before the write is durable). The
// registry may know the device already (another broker registered it) with a state of its own.
std::optional<Decision> CertificateLogins::enrol(const certs::VerifiedDevice& device,
                                                 const Policy& policy) {
    registry::DeviceRegistry* registry = services_.device_registry();
    if (!registry) {
        services_.notify("no device registry is open");
        return Decision{Verdict::Error, Reason::RegistryWriteFailed};
    }
    const registry::Registration registration = registry->enrol(record_of(device));
    services_.metrics().devices_known(registry->known());
    for (const std::string& notice : registration.notices) services_.notify(notice);
    if (auto refused = refusal_of(registration.outcome, device)) return refused;
    // The registry's own state of the device, which may not be ACTIVE.
    if (auto refusal = certificate_refusal(device.identity, policy, registry)) {
        return Decision::deny(*refusal);
    }
    return std::nullopt;
}

std::optional<Decision> CertificateLogins::refusal_of(registry::RegistrationOutcome outcome,
                                                      const certs::VerifiedDevice& device) {
    const std::string named = registry::describe(device.identity.key);
    switch (outcome) {
        case registry::RegistrationOutcome::Registered:
            services_.metrics().device_registered();
            services_.notify("registered device certificate " + named +
                             " ca_sn=" + device.identity.ca_sn + " ca_name=" + device.ca_name);
            return std::nullopt;
        case registry::RegistrationOutcome::Known: return std::nullopt;
        case registry::RegistrationOutcome::KeyConflict:
            services_.notify("refused device certificate " + named +
                             " sha256=" + device.facts.fingerprint +
                             ": another certificate is registered under this serial and issuer "
                             "(the issuer gave one serial to two certificates)");
            return Decision::deny(Reason::CertificateKeyConflict);
        case registry::RegistrationOutcome::Unavailable:
            return Decision{Verdict::Error, Reason::RegistryUnavailable};
        case registry::RegistrationOutcome::Failed: break;
    }
    return Decision{Verdict::Error, Reason::RegistryWriteFailed};
}

}  // namespace mqauth::engine
