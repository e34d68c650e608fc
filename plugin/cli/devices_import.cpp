// SPDX-License-Identifier: Apache-2.0
// mqauth devices import: moves the devices of a YAML registry file (what earlier versions kept
// in device_certificates.registry_file) into the registry the config names, in one transaction.
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "arguments.h"
#include "certs/certificate_facts.h"
#include "certs/legacy_registry_file.h"
#include "config_text.h"
#include "devices.h"
#include "editing/device_state_edit.h"
#include "io/paths.h"
#include "io/regular_file.h"
#include "registry/store_opening.h"

namespace mqauth::cli::devices {
namespace {

struct Conversion {
    std::vector<registry::DeviceRecord> records;
    std::size_t without_issuer = 0;  // their CA is no longer listed
};

// The YAML file kept no issuer: the listed CA a device verified against issued it, unless an
// intermediate did (that device is registered again, under its own issuer, when it connects).
Conversion convert(const std::vector<certs::LegacyRecord>& legacy,
                   const certs::CertificateAuthorities& authorities) {
    Conversion conversion;
    for (const certs::LegacyRecord& old : legacy) {
        const certs::CertificateAuthority* authority = authorities.find_by_serial(old.ca_sn);
        std::string issuer;
        if (authority) {
            issuer = certs::rfc2253_name(X509_get_subject_name(authority->certificate.get()));
        } else {
            ++conversion.without_issuer;
        }
        conversion.records.push_back({{old.device_sn, std::move(issuer)},
                                      "",  // no fingerprint: the first certificate gives it
                                      old.ca_sn,
                                      old.ca_name,
                                      old.common_name,
                                      old.not_before,
                                      old.not_after,
                                      old.first_seen,
                                      old.status});
    }
    return conversion;
}

std::optional<std::vector<certs::LegacyRecord>> read_legacy(const std::string& path) {
    io::FileRead file = io::read_regular_file(path, io::kMaxConfigBytes);
    if (!file.text) {
        std::cerr << path << ": cannot read it: " << file.error << "\n";
        return std::nullopt;
    }
    certs::LegacyRegistry parsed = certs::parse_legacy_registry(*file.text);
    if (!parsed.errors.empty()) {
        for (const yaml::Diagnostic& error : parsed.errors)
            std::cerr << describe(path, error) << "\n";
        std::cerr << path << ": not a valid YAML device registry; nothing was imported\n";
        return std::nullopt;
    }
    return std::move(parsed.records);
}

bool exists(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0;
}

// The broker writes the registry as its own user: a file root just created is handed to the
// owner of its directory (mosquitto, for Debian's /var/lib/mosquitto), with SQLite's -wal and
// -shm beside it.
void give_to_directory_owner(const std::string& path) {
    struct stat directory {};
    if (::geteuid() != 0 || ::stat(io::directory_of(path).c_str(), &directory) != 0) return;
    for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
        if (exists(file) && ::chown(file.c_str(), directory.st_uid, directory.st_gid) != 0) {
            std::cerr << "warning: " << file << ": cannot give it to uid " << directory.st_uid
                      << "; the broker may be unable to write it\n";
        }
    }
}

std::string devices(std::size_t count) {
    return std::to_string(count) + (count == 1 ? " device" : " devices");
}

// The YAML registry's own INACTIVE and REVOKED states applied to a device by its serial and its
// CA's. Filed under the CA's issuer, a device an intermediate issued would lose its state (it is
// registered anew, ACTIVE, under its own issuer), so each such state also goes into the config
// as a `ca_sn` state, which keeps exactly that meaning. A decision the config already has for
// the device wins, as it did over the registry.
struct StateCarryOver {
    std::string text;       // the config with the states added
    std::size_t added = 0;  // how many
};

std::optional<StateCarryOver> carry_over_states(const ConfigText& config,
                                                const certs::DeviceStates& decided,
                                                const std::vector<certs::LegacyRecord>& legacy) {
    StateCarryOver carried{config.text, 0};
    for (const certs::LegacyRecord& old : legacy) {
        const certs::StateKey key{old.device_sn, "", old.ca_sn};
        if (old.status == registry::DeviceStatus::Active || decided.decision(key)) continue;
        const editing::StateEditResult edit =
            editing::record_device_state(carried.text, key, old.status);
        if (!edit.edit) {
            std::cerr << describe(config.path, *edit.error) << "\n";
            return std::nullopt;
        }
        if (edit.edit->change == editing::StateChange::AlreadyRecorded) continue;
        carried.text = edit.edit->text;
        ++carried.added;
    }
    return carried;
}

void print_outcome(const Options& options, const registry::RegistrySource& source,
                   const Conversion& conversion, std::size_t added, std::size_t states) {
    const std::size_t total = conversion.records.size();
    std::cout << "imported " << added << " of " << devices(total) << " from " << *options.from
              << " into " << source.describe();
    if (added < total) std::cout << "; " << devices(total - added) << " already there";
    std::cout << "\n";
    if (conversion.without_issuer > 0) {
        std::cout << "note: " << devices(conversion.without_issuer)
                  << " verified against a CA that is no longer listed; kept with an empty "
                     "issuer\n";
    }
    if (states > 0) {
        std::cout << options.config << ": " << states
                  << " INACTIVE or REVOKED states of the old registry added to "
                     "device_certificates.states (by ca_sn, as the old registry meant them)\n"
                  << kReloadHint << "\n";
    }
}

}  // namespace

int run_import(const Options& options) {
    const auto valid = read_valid_config(options.config);
    if (!valid) return kExitRejected;
    const auto& [config, loaded] = *valid;
    const auto& source = loaded.policy->certificates.registry;
    if (!source) {
        std::cerr << options.config
                  << ": no device_certificates.registry to import into; set one first\n";
        return kExitRejected;
    }
    const auto legacy = read_legacy(*options.from);
    if (!legacy) return kExitRejected;
    const Conversion conversion = convert(*legacy, loaded.policy->certificates.authorities);
    const auto states = carry_over_states(config, loaded.policy->certificates.states, *legacy);
    if (!states || (states->added > 0 && !replace_with_valid_text(config, states->text))) {
        std::cerr << options.config
                  << ": the old registry's states cannot be recorded; nothing "
                     "was imported\n";
        return kExitRejected;
    }
    const bool created = source->backend == registry::Backend::Sqlite && !exists(source->location);
    registry::StoreOpening opening = registry::open_store(*source, registry::Access::ReadWrite);
    if (!opening.store) {
        std::cerr << opening.error << "\n";
        return kExitRejected;
    }
    std::size_t added = 0;
    if (auto error = opening.store->import(conversion.records, added)) {
        std::cerr << source->describe() << ": " << error->message << "; nothing was imported\n";
        return kExitRejected;
    }
    opening.store.reset();  // closes the file, so its -wal and -shm are settled
    if (created) give_to_directory_owner(source->location);
    print_outcome(options, *source, conversion, added, states->added);
    return kExitOk;
}

}  // namespace mqauth::cli::devices
