#include "engine/certificate_logins.h"

#include <ctime>

#include "engine/admissions.h"
#include "engine/certificate_standing.h"
#include "yaml/text_rules.h"

namespace mqauth::engine {
namespace {

certs::RegistryEntry registry_entry(const certs::VerifiedDevice& device) {
    certs::RegistryEntry entry;
    entry.key = device.key;
    entry.ca_name = device.ca_name;
    entry.common_name = device.facts.common_name;
    entry.not_before = device.facts.not_before;
    entry.not_after = device.facts.not_after;
    entry.first_seen = certs::iso8601_utc(std::time(nullptr));
    entry.status = certs::DeviceStatus::Active;
    return entry;
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
    // The CN may become the username and goes into the registry: the broker takes usernames as
    // NUL-terminated UTF-8, and the registry holds UTF-8 text only.
    const std::string& common_name = device.facts.common_name;
    if (common_name.find('\0') != std::string::npos || !yaml::is_valid_utf8(common_name)) {
        return Decision::deny(Reason::CertificateInvalid);
    }
    // Checked again, not trusted from the handshake: a reload may have come in between.
    if (auto refusal = certificate_refusal(device.key, *policy, services_.device_registry())) {
        return Decision::deny(*refusal);
    }
    if (policy->certificates.bind_client_id_to_cn &&
        request.client_id != device.facts.common_name) {
        return Decision::deny(Reason::ClientIdNotCommonName);
    }
    if (auto failed = register_first_seen(device)) return *failed;
    return services_.admit(
        request.connection,
        Session{std::string(request.client_id), username_for(request, device),
                std::make_unique<CertificateAdmission>(device.key, common_name)});
}

// A first-seen certificate is admitted only once its registration is on disk (DESIGN: a
// decision that depends on a write is not acknowledged before the write is durable).
std::optional<Decision> CertificateLogins::register_first_seen(
    const certs::VerifiedDevice& device) {
    const auto failure = [this](const std::string& why) {
        services_.notify(why);
        return Decision{Verdict::Error, Reason::RegistryWriteFailed};
    };
    certs::DeviceRegistry* registry = services_.device_registry();
    if (!registry) return failure("no device registry is open");
    if (registry->find(device.key)) return std::nullopt;
    if (auto error = registry->add(registry_entry(device))) return failure(*error);
    services_.notify("registered device certificate device_sn=" + device.key.device_sn +
                     " ca_sn=" + device.key.ca_sn + " ca_name=" + device.ca_name);
    return std::nullopt;
}

}  // namespace mqauth::engine
