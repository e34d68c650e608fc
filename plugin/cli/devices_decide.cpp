// mqauth devices activate|deactivate|revoke: records an operator decision in the config's
// device_certificates.states, for the broker to apply on its next reload.
#include <iostream>

#include "arguments.h"
#include "certs/device_registry.h"
#include "config_text.h"
#include "devices.h"
#include "editing/device_state_edit.h"

namespace mqauth::cli::devices {
namespace {

using certs::DeviceKey;
using certs::DeviceStatus;

std::string device_name(const DeviceKey& key) {
    return "device_sn " + key.device_sn + " of ca_sn " + key.ca_sn;
}

// A CA serial that no listed CA has is most likely a typo, and a state recorded under it would
// silently do nothing: refused, naming the serials that are listed.
bool refuse_unlisted_ca(const std::string& file, const certs::CertificatePolicy& certificates,
                        const DeviceKey& key) {
    if (certificates.authorities.find_by_serial(key.ca_sn)) return false;
    std::cerr << file << ": no CA in ca_certificates has serial " << key.ca_sn << " (listed:";
    if (certificates.authorities.all().empty()) std::cerr << " none";
    for (const auto& authority : certificates.authorities.all()) {
        std::cerr << " " << authority->serial << " for " << authority->name;
    }
    std::cerr << "); list the CA first, or check the serial\n";
    return true;
}

// Recording a state for a device the broker has not seen is allowed (an operator may revoke a
// certificate before it is ever used), but worth saying, since a typo in a serial looks alike.
void print_notes(const certs::CertificatePolicy& certificates, const DeviceKey& key) {
    if (certificates.registry_file.empty()) return;
    const certs::RegistryOpening opening = certs::DeviceRegistry::open(certificates.registry_file);
    if (!opening.registry) {
        std::cerr << "warning: cannot check the device registry (the state is recorded anyway):\n";
        for (const std::string& error : opening.errors) std::cerr << "  " << error << "\n";
    } else if (!opening.registry->find(key)) {
        std::cerr << "note: " << device_name(key) << " is not in the device registry ("
                  << certificates.registry_file << "); the state applies when it connects\n";
    }
}

void print_change(const std::string& file, const DeviceKey& key, DeviceStatus status,
                  const editing::StateEdit& edit) {
    std::cout << file << ":" << edit.line << ": " << device_name(key) << ": ";
    if (edit.change == editing::StateChange::Replaced) {
        std::cout << certs::status_name(*edit.previous) << " -> " << certs::status_name(status)
                  << "\n";
    } else {
        std::cout << certs::status_name(status) << " (added to device_certificates.states)\n";
    }
    std::cout << kReloadHint << "\n";
}

// The edited text must load exactly as the broker will load it; otherwise FILE stays as it is.
int write_edit(const ConfigText& config, const editing::StateEdit& edit) {
    const config::LoadResult checked = load_config_text(config, edit.text);
    if (!checked.ok()) {
        print_load_errors(checked);
        std::cerr << config.path << ": the edited config would not load; it was left as it is\n";
        return kExitRejected;
    }
    if (auto error = replace_config_text(config, edit.text)) {
        std::cerr << *error << "\n";
        return kExitRejected;
    }
    return kExitOk;
}

}  // namespace

int run_decide(const Options& options, DeviceStatus status) {
    const auto config = read_config_text(options.config);
    if (!config) return kExitRejected;
    const config::LoadResult loaded = load_config_text(*config, config->text);
    if (!loaded.ok()) {
        print_load_errors(loaded);
        std::cerr << options.config << ": fix these errors first (mqauth check " << options.config
                  << ")\n";
        return kExitRejected;
    }
    const DeviceKey key{*options.device_sn, *options.ca_sn};
    const editing::StateEditResult result = editing::record_device_state(config->text, key, status);
    if (!result.edit) {
        std::cerr << describe(options.config, *result.error) << "\n";
        return kExitRejected;
    }
    if (refuse_unlisted_ca(options.config, loaded.policy->certificates, key)) return kExitRejected;
    print_notes(loaded.policy->certificates, key);
    if (result.edit->change == editing::StateChange::AlreadyRecorded) {
        std::cout << options.config << ":" << result.edit->line << ": " << device_name(key)
                  << " is already " << certs::status_name(status) << "; nothing to change\n";
        return kExitOk;
    }
    const int written = write_edit(*config, *result.edit);
    if (written == kExitOk) print_change(options.config, key, status, *result.edit);
    return written;
}

}  // namespace mqauth::cli::devices
