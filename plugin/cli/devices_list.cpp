// mqauth devices list: the registry with effective states, then operator states for devices
// that have not connected yet.
#include <sys/stat.h>

#include <iostream>

#include "arguments.h"
#include "certs/device_registry.h"
#include "config_text.h"
#include "devices.h"
#include "editing/device_state_edit.h"
#include "text_table.h"

namespace mqauth::cli::devices {
namespace {

using certs::DeviceKey;
using certs::DeviceStatus;

const std::vector<std::string> kHeader = {
    "device_sn",  "ca_sn",    "ca_name",  "common_name", "not_after",
    "first_seen", "registry", "operator", "effective",   "ca_status",
};

const certs::CertificateAuthority* ca_with_serial(const certs::CertificatePolicy& certificates,
                                                  const std::string& serial) {
    for (const auto& authority : certificates.authorities.all()) {
        if (authority->serial == serial) return authority.get();
    }
    return nullptr;
}

// A device is admitted only through an ACTIVE listed CA, whatever its own state says.
std::string ca_status(const certs::CertificateAuthority* authority) {
    if (!authority) return "UNLISTED";
    return authority->status == certs::CaStatus::Active ? "ACTIVE" : "INACTIVE";
}

bool wanted(const Options& options, const DeviceKey& key) {
    return (!options.device_sn || *options.device_sn == key.device_sn) &&
           (!options.ca_sn || *options.ca_sn == key.ca_sn);
}

std::string name_of(std::optional<DeviceStatus> status) {
    return status ? std::string(certs::status_name(*status)) : "";
}

std::vector<std::string> registered_row(const certs::CertificatePolicy& certificates,
                                        const certs::RegistryEntry& entry) {
    const auto decided = certificates.states.decision(entry.key);
    return {entry.key.device_sn,
            entry.key.ca_sn,
            entry.ca_name,
            entry.common_name,
            entry.not_after,
            entry.first_seen,
            name_of(entry.status),
            name_of(decided),
            name_of(certificates.states.effective(entry.key, entry.status)),
            ca_status(ca_with_serial(certificates, entry.key.ca_sn))};
}

std::vector<std::string> unregistered_row(const certs::CertificatePolicy& certificates,
                                          const editing::RecordedState& state) {
    const certs::CertificateAuthority* authority = ca_with_serial(certificates, state.key.ca_sn);
    return {state.key.device_sn,
            state.key.ca_sn,
            authority ? authority->name : "",
            "",
            "",
            "",
            "unregistered",
            name_of(state.status),
            name_of(state.status),
            ca_status(authority)};
}

void add_rows(const Options& options, const certs::CertificatePolicy& certificates,
              const certs::DeviceRegistry& registry,
              const std::vector<editing::RecordedState>& states, TextTable& table) {
    for (const certs::RegistryEntry* entry : registry.entries()) {
        if (wanted(options, entry->key)) table.add_row(registered_row(certificates, *entry));
    }
    for (const editing::RecordedState& state : states) {
        if (!registry.find(state.key) && wanted(options, state.key)) {
            table.add_row(unregistered_row(certificates, state));
        }
    }
}

bool file_exists(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0;
}

// With device certificates on (or a registry left from when they were), the table.
int print_devices(const Options& options, const ConfigText& config,
                  const certs::CertificatePolicy& certificates) {
    const certs::RegistryOpening opening = certs::DeviceRegistry::open(certificates.registry_file);
    if (!opening.registry) {
        for (const std::string& error : opening.errors) std::cerr << error << "\n";
        return kExitRejected;
    }
    if (!file_exists(certificates.registry_file)) {
        std::cerr << certificates.registry_file
                  << ": note: no registry yet (no device has connected with a certificate)\n";
    }
    const editing::StatesReading states = editing::read_recorded_states(config.text);
    if (states.error) {  // the loader accepted the text, so this is not expected
        std::cerr << describe(config.path, *states.error) << "\n";
        return kExitRejected;
    }
    TextTable table(kHeader);
    add_rows(options, certificates, *opening.registry, states.states, table);
    table.print(std::cout);
    return kExitOk;
}

}  // namespace

int run_list(const Options& options) {
    const auto config = read_config_text(options.config);
    if (!config) return kExitRejected;
    const config::LoadResult loaded = load_config_text(*config, config->text);
    if (!loaded.ok()) {
        print_load_errors(loaded);
        return kExitRejected;
    }
    const certs::CertificatePolicy& certificates = loaded.policy->certificates;
    if (!certificates.configured() && certificates.registry_file.empty()) {
        std::cout << options.config
                  << ": device certificates are off (no ca_certificates, no device_certificates)\n";
        return kExitOk;
    }
    if (!certificates.configured()) {
        std::cerr << options.config << ": note: device certificates are off (no ca_certificates); "
                  << "no device can connect with one\n";
    }
    return print_devices(options, *config, certificates);
}

}  // namespace mqauth::cli::devices
