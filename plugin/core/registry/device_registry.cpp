// SPDX-License-Identifier: Apache-2.0
#include "registry/device_registry.h"

#include "registry/store_opening.h"

namespace mqauth::registry {

RegistryOpening DeviceRegistry::open(const RegistrySource& source) {
    RegistryOpening opening;
    StoreOpening store = open_store(source, Access::ReadWrite);
    if (!store.store) {
        opening.errors.push_back(store.error + " (device registry)");
        return opening;
    }
    opening.registry = std::make_unique<DeviceRegistry>(source, std::move(store.store));
    return opening;
}

DeviceRegistry::DeviceRegistry(RegistrySource source, std::unique_ptr<RegistryStore> store)
    : source_(std::move(source)), store_(std::move(store)) {}

std::optional<DeviceStatus> DeviceRegistry::status_of(const DeviceKey& key) const {
    const auto found = known_.find(key);
    if (found == known_.end()) return std::nullopt;
    return found->second.status;
}

Registration DeviceRegistry::from_memory(const KnownDevice& device,
                                         const DeviceRecord& seen) const {
    Registration known{RegistrationOutcome::Known, device.status, {}};
    if (device.fingerprint != seen.fingerprint) known.outcome = RegistrationOutcome::KeyConflict;
    return known;
}

Registration DeviceRegistry::enrol(const DeviceRecord& seen) {
    const auto found = known_.find(seen.key);
    if (found != known_.end() && found->second.generation == generation_) {
        return from_memory(found->second, seen);
    }
    StoreAnswer stored = store_->find(seen.key);
    RegistrationOutcome outcome = RegistrationOutcome::Known;
    // A record with no fingerprint was imported: the insert gives it this certificate's.
    if (!stored.error && (!stored.record || stored.record->fingerprint.empty())) {
        outcome = stored.record ? RegistrationOutcome::Known : RegistrationOutcome::Registered;
        stored = store_->insert(seen);
    }
    // A device known before the recheck keeps what the broker knew while the store cannot
    // answer (unreachable, or a file replaced on disk), and is rechecked on a later connect.
    if (stored.error && found != known_.end()) return from_memory(found->second, seen);
    if (stored.error) return store_failed(*stored.error, seen);
    return learn(*stored.record, seen, outcome);
}

Registration DeviceRegistry::learn(const DeviceRecord& stored, const DeviceRecord& seen,
                                   RegistrationOutcome outcome) {
    Registration registration{outcome, stored.status, {}};
    note_available(registration);
    // Another certificate came first under this key: remembered as that one, so every later
    // attempt by this one is refused without the store.
    known_.insert_or_assign(stored.key,
                            KnownDevice{stored.fingerprint, stored.status, generation_});
    if (stored.fingerprint != seen.fingerprint) {
        registration.outcome = RegistrationOutcome::KeyConflict;
        registration.status.reset();
    }
    return registration;
}

Registration DeviceRegistry::store_failed(const StoreError& error, const DeviceRecord& seen) {
    Registration failed;
    if (error.kind == StoreFailure::Failed) {
        failed.outcome = RegistrationOutcome::Failed;
        failed.notices.push_back("cannot register device certificate " + describe(seen.key) +
                                 " in " + source_.describe() + ": " + error.message);
        return failed;
    }
    failed.outcome = RegistrationOutcome::Unavailable;
    ++refused_in_outage_;
    if (!outage_since_) {
        outage_since_ = std::chrono::steady_clock::now();
        failed.notices.push_back("device registry " + source_.describe() +
                                 " is unreachable: " + error.message +
                                 "; devices this broker knows keep connecting, new ones are "
                                 "refused (registry_unavailable) until it is back");
    }
    return failed;
}

void DeviceRegistry::note_available(Registration& registration) {
    if (!outage_since_) return;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - *outage_since_);
    registration.notices.push_back("device registry " + source_.describe() +
                                   " is reachable again after " + std::to_string(seconds.count()) +
                                   " s; " + std::to_string(refused_in_outage_) +
                                   " new devices were refused meanwhile");
    outage_since_.reset();
    refused_in_outage_ = 0;
}

}  // namespace mqauth::registry
