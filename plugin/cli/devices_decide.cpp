// SPDX-License-Identifier: Apache-2.0
// mqauth devices activate|deactivate|revoke: records an operator decision in the config's
// device_certificates.states, for the broker to apply on its next reload.
#include <iostream>
#include <vector>

#include "arguments.h"
#include "config_text.h"
#include "devices.h"
#include "editing/device_state_edit.h"
#include "registry/store_opening.h"

namespace mqauth::cli::devices {
namespace {

using certs::DeviceStatus;
using certs::StateKey;

// A CA serial that no listed CA has is most likely a typo, and a state recorded under it would
// silently do nothing: refused, naming the serials that are listed. (An issuer need not be a
// listed CA: intermediates under one are not listed.)
bool refuse_unlisted_ca(const std::string& file, const certs::CertificatePolicy& certificates,
                        const StateKey& key) {
    if (key.by_issuer() || certificates.authorities.find_by_serial(key.ca_sn)) return false;
    std::cerr << file << ": no CA in ca_certificates has serial " << key.ca_sn << " (listed:";
    if (certificates.authorities.all().empty()) std::cerr << " none";
    for (const auto& authority : certificates.authorities.all()) {
        std::cerr << " " << authority->serial << " for " << authority->name;
    }
    std::cerr << "); list the CA first, or check the serial\n";
    return true;
}

// What the registry holds under the key's serial: whether the key names one of them, and the
// issuers they have (so a misspelt issuer can be put right).
struct SerialInRegistry {
    bool named = false;
    std::vector<std::string> issuers;
};

std::optional<SerialInRegistry> look_up(registry::RegistryStore& store, const StateKey& key) {
    SerialInRegistry found;
    auto error = store.each([&](const registry::DeviceRecord& record) {
        if (record.key.device_sn != key.device_sn) return;
        found.issuers.push_back(record.key.issuer);
        found.named = found.named || (key.by_issuer() ? record.key.issuer == key.issuer
                                                      : record.ca_sn == key.ca_sn);
    });
    if (error) return std::nullopt;
    return found;
}

// Recording a state for a device the broker has not seen is allowed (an operator may revoke a
// certificate before it is ever used), but worth saying, since a typo in a serial or an issuer
// (RFC 2253 lists the most specific part first: O=Acme,CN=Fleet CA) looks alike.
void print_notes(const certs::CertificatePolicy& certificates, const StateKey& key) {
    if (!certificates.registry) return;
    registry::StoreOpening opening =
        registry::open_store(*certificates.registry, registry::Access::ReadOnly);
    std::optional<SerialInRegistry> found;  // unknown when the registry cannot be read
    if (opening.store) {
        found = look_up(*opening.store, key);
    } else if (opening.missing) {
        found = SerialInRegistry{};
    }
    const std::string where = certificates.registry->describe();
    if (!found) {
        std::cerr << "warning: cannot check the device registry " << where
                  << " (the state is recorded anyway)\n";
        return;
    }
    if (found->named) return;
    std::cerr << "note: " << certs::describe(key) << " is not in the device registry (" << where
              << "); the state applies when it connects\n";
    for (const std::string& issuer : found->issuers) {
        std::cerr << "note: device_sn " << key.device_sn << " is registered with issuer \""
                  << issuer << "\"\n";
    }
}

void print_change(const std::string& file, const StateKey& key, DeviceStatus status,
                  const editing::StateEdit& edit) {
    std::cout << file << ":" << edit.line << ": " << certs::describe(key) << ": ";
    if (edit.change == editing::StateChange::Replaced) {
        std::cout << registry::status_name(*edit.previous) << " -> "
                  << registry::status_name(status) << "\n";
    } else {
        std::cout << registry::status_name(status) << " (added to device_certificates.states)\n";
    }
    std::cout << kReloadHint << "\n";
}

}  // namespace

int run_decide(const Options& options, DeviceStatus status) {
    const auto valid = read_valid_config(options.config);
    if (!valid) {
        std::cerr << options.config << ": fix these errors first (mqauth check " << options.config
                  << ")\n";
        return kExitRejected;
    }
    const auto& [config, loaded] = *valid;
    const StateKey key{*options.device_sn, options.issuer.value_or(""),
                       options.issuer ? "" : *options.ca_sn};
    const editing::StateEditResult result = editing::record_device_state(config.text, key, status);
    if (!result.edit) {
        std::cerr << describe(options.config, *result.error) << "\n";
        return kExitRejected;
    }
    if (refuse_unlisted_ca(options.config, loaded.policy->certificates, key)) return kExitRejected;
    print_notes(loaded.policy->certificates, key);
    if (result.edit->change == editing::StateChange::AlreadyRecorded) {
        std::cout << options.config << ":" << result.edit->line << ": " << certs::describe(key)
                  << " is already " << registry::status_name(status) << "; nothing to change\n";
        return kExitOk;
    }
    if (!replace_with_valid_text(config, result.edit->text)) return kExitRejected;
    print_change(options.config, key, status, *result.edit);
    return kExitOk;
}

}  // namespace mqauth::cli::devices
