// SPDX-License-Identifier: Apache-2.0
// mqauth devices list: the registry with effective states, then operator states for devices
// that have not connected yet.
#include <iostream>
#include <set>
#include <utility>

#include "arguments.h"
#include "config_text.h"
#include "devices.h"
#include "editing/device_state_edit.h"
#include "registry/store_opening.h"
#include "text_table.h"

namespace mqauth::cli::devices {
namespace {

using certs::DeviceStatus;
using registry::DeviceRecord;

const std::vector<std::string> kHeader = {
    "device_sn",  "issuer",   "ca_name",  "common_name", "not_after",
    "first_seen", "registry", "operator", "effective",   "ca_status",
};

// A device is admitted only through an ACTIVE listed CA, whatever its own state says.
std::string ca_status(const certs::CertificateAuthority* authority) {
    if (!authority) return "UNLISTED";
    return authority->status == certs::CaStatus::Active ? "ACTIVE" : "INACTIVE";
}

bool wanted(const Options& options, const std::string& device_sn, const std::string& issuer,
            const std::string& ca_sn) {
    return (!options.device_sn || *options.device_sn == device_sn) &&
           (!options.issuer || *options.issuer == issuer) &&
           (!options.ca_sn || *options.ca_sn == ca_sn);
}

std::string name_of(std::optional<DeviceStatus> status) {
    return status ? std::string(registry::status_name(*status)) : "";
}

std::vector<std::string> registered_row(const certs::CertificatePolicy& certificates,
                                        const DeviceRecord& record) {
    const certs::DeviceIdentity device{record.key, record.ca_sn};
    return {record.key.device_sn,
            record.key.issuer,
            record.ca_name,
            record.common_name,
            record.not_after,
            record.first_seen,
            name_of(record.status),
            name_of(certificates.states.decision_for(device)),
            name_of(certificates.states.effective(device, record.status)),
            ca_status(certificates.authorities.find_by_serial(record.ca_sn))};
}

std::vector<std::string> unregistered_row(const certs::CertificatePolicy& certificates,
                                          const editing::RecordedState& state) {
    const certs::CertificateAuthority* authority =
        state.key.by_issuer() ? nullptr : certificates.authorities.find_by_serial(state.key.ca_sn);
    return {state.key.device_sn,
            state.key.issuer,
            authority ? authority->name : "",
            "",
            "",
            "",
            "unregistered",
            name_of(state.status),
            name_of(state.status),
            state.key.by_issuer() ? "" : ca_status(authority)};
}

// Which devices the registry holds, both ways a state may name one.
struct RegisteredNames {
    std::set<std::pair<std::string, std::string>> by_issuer;
    std::set<std::pair<std::string, std::string>> by_ca;

    bool has(const certs::StateKey& key) const {
        return key.by_issuer() ? by_issuer.count({key.device_sn, key.issuer}) > 0
                               : by_ca.count({key.device_sn, key.ca_sn}) > 0;
    }
};

std::optional<std::string> add_registered(const Options& options,
                                          const certs::CertificatePolicy& certificates,
                                          registry::RegistryStore& store, TextTable& table,
                                          RegisteredNames& names) {
    auto error = store.each([&](const DeviceRecord& record) {
        names.by_issuer.insert({record.key.device_sn, record.key.issuer});
        names.by_ca.insert({record.key.device_sn, record.ca_sn});
        if (wanted(options, record.key.device_sn, record.key.issuer, record.ca_sn)) {
            table.add_row(registered_row(certificates, record));
        }
    });
    if (error) return error->message;
    return std::nullopt;
}

// With device certificates on (or a registry left from when they were), the table.
int print_devices(const Options& options, const ConfigText& config,
                  const certs::CertificatePolicy& certificates) {
    const editing::StatesReading states = editing::read_recorded_states(config.text);
    if (states.error) {  // the loader accepted the text, so this is not expected
        std::cerr << describe(config.path, *states.error) << "\n";
        return kExitRejected;
    }
    TextTable table(kHeader);
    RegisteredNames names;
    registry::StoreOpening opening =
        registry::open_store(*certificates.registry, registry::Access::ReadOnly);
    if (opening.store) {
        if (auto error = add_registered(options, certificates, *opening.store, table, names)) {
            std::cerr << certificates.registry->describe() << ": " << *error << "\n";
            return kExitRejected;
        }
    } else if (opening.missing) {
        std::cerr << "note: " << opening.error << "\n";
    } else {
        std::cerr << opening.error << "\n";
        return kExitRejected;
    }
    for (const editing::RecordedState& state : states.states) {
        if (!names.has(state.key) &&
            wanted(options, state.key.device_sn, state.key.issuer, state.key.ca_sn)) {
            table.add_row(unregistered_row(certificates, state));
        }
    }
    table.print(std::cout);
    return kExitOk;
}

}  // namespace

int run_list(const Options& options) {
    const auto valid = read_valid_config(options.config);
    if (!valid) return kExitRejected;
    const auto& [config, loaded] = *valid;
    const certs::CertificatePolicy& certificates = loaded.policy->certificates;
    if (!certificates.registry) {
        std::cout << options.config
                  << ": device certificates are off (no ca_certificates, no device_certificates)\n";
        return kExitOk;
    }
    if (!certificates.configured()) {
        std::cerr << options.config << ": note: device certificates are off (no ca_certificates); "
                  << "no device can connect with one\n";
    }
    return print_devices(options, config, certificates);
}

}  // namespace mqauth::cli::devices
