// SPDX-License-Identifier: Apache-2.0
// mqauth devices delete: forgets a registered device (ApsaraMQ for MQTT's
// DeleteDeviceCertificate). A certificate that still verifies is registered anew, ACTIVE, when it
// next connects; to keep a device out, revoke it instead.
#include <iostream>

#include "arguments.h"
#include "config_text.h"
#include "devices.h"
#include "registry/store_opening.h"

namespace mqauth::cli::devices {
namespace {

// The issuers the registry holds a serial under, for the note when the one given is not there.
void print_issuers_of(registry::RegistryStore& store, const std::string& device_sn) {
    store.each([&](const registry::DeviceRecord& record) {
        if (record.key.device_sn != device_sn) return;
        std::cerr << "note: device_sn " << device_sn << " is registered with issuer \""
                  << record.key.issuer << "\"\n";
    });
}

}  // namespace

int run_delete(const Options& options) {
    const auto valid = read_valid_config(options.config);
    if (!valid) return kExitRejected;
    const auto& registry_source = valid->loaded.policy->certificates.registry;
    if (!registry_source) {
        std::cerr << options.config << ": no device_certificates.registry to delete from\n";
        return kExitRejected;
    }
    const registry::DeviceKey key{*options.device_sn, *options.issuer};
    if (registry::open_store(*registry_source, registry::Access::ReadOnly).missing) {
        std::cerr << registry::describe(key) << " is not registered ("
                  << registry_source->describe() << " does not exist yet)\n";
        return kExitRejected;
    }
    registry::StoreOpening opening =
        registry::open_store(*registry_source, registry::Access::ReadWrite);
    if (!opening.store) {
        std::cerr << opening.error << "\n";
        return kExitRejected;
    }
    bool removed = false;
    if (auto error = opening.store->remove(key, removed)) {
        std::cerr << registry_source->describe() << ": " << error->message << "\n";
        return kExitRejected;
    }
    if (!removed) {
        std::cerr << registry::describe(key) << " is not registered in "
                  << registry_source->describe() << "\n";
        print_issuers_of(*opening.store, key.device_sn);
        return kExitRejected;
    }
    std::cout << "deleted " << registry::describe(key) << " from " << registry_source->describe()
              << "\n"
              << "brokers look it up again after their next reload; while its certificate "
                 "verifies, it is registered anew when it connects (revoke it to keep it out)\n";
    return kExitOk;
}

}  // namespace mqauth::cli::devices
