// SPDX-License-Identifier: Apache-2.0
#pragma once
// The device registry as the broker uses it: every certificate is registered on its first valid
// connect, durably, before the device is admitted. What the broker has seen is kept in memory,
// so a device it knows is decided without the store; only a device it has not seen (since it
// started) costs a store lookup, and a new one an insert. A shared store being unreachable then
// refuses new devices only; known ones keep connecting.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "registry/device_record.h"
#include "registry/registry_source.h"
#include "registry/registry_store.h"

namespace mqauth::registry {

class DeviceRegistry;

struct RegistryOpening {
    std::unique_ptr<DeviceRegistry> registry;  // set on success
    std::vector<std::string> errors;           // why it cannot be used (a corrupt file, ...)
};

enum class RegistrationOutcome {
    Known,        // registered before (by this broker or another)
    Registered,   // registered now
    KeyConflict,  // a different certificate is registered under this serial and issuer
    Unavailable,  // the store cannot be reached: not registered
    Failed,       // the store refused the write: not registered
};

struct Registration {
    RegistrationOutcome outcome = RegistrationOutcome::Failed;
    std::optional<DeviceStatus> status;  // the registry's state, when Known or Registered
    std::vector<std::string> notices;    // for the broker log
};

class DeviceRegistry {
   public:
    // An SQLite file is opened (created when missing) and checked now; PostgreSQL is reached on
    // first use.
    static RegistryOpening open(const RegistrySource& source);

    DeviceRegistry(RegistrySource source, std::unique_ptr<RegistryStore> store);

    const RegistrySource& source() const { return source_; }

    // The registry's state of a device this broker has seen; nullopt for any other.
    std::optional<DeviceStatus> status_of(const DeviceKey& key) const;

    // Registers `seen` (a verified certificate) unless it is registered already; on the broker's
    // thread.
    Registration enrol(const DeviceRecord& seen);

    std::size_t known() const { return known_.size(); }

    // After a reload: each device this broker knows is looked up in the store again on its next
    // connect, so that one the operator deleted (`mqauth devices delete`) is registered anew, as
    // a device never seen. While the store cannot answer, what the broker knew still holds.
    void recheck_known() { ++generation_; }

   private:
    struct KnownDevice {
        std::string fingerprint;
        DeviceStatus status;
        std::uint64_t generation;  // learnt from the store since this recheck_known
    };
    Registration from_memory(const KnownDevice& device, const DeviceRecord& seen) const;

    Registration learn(const DeviceRecord& stored, const DeviceRecord& seen,
                       RegistrationOutcome outcome);
    Registration store_failed(const StoreError& error, const DeviceRecord& seen);
    void note_available(Registration& registration);

    RegistrySource source_;
    std::unique_ptr<RegistryStore> store_;
    std::unordered_map<DeviceKey, KnownDevice, DeviceKeyHash> known_;
    std::uint64_t generation_ = 0;
    // The outage under way, if the store is unreachable: one log line when it starts, one when
    // it ends.
    std::optional<std::chrono::steady_clock::time_point> outage_since_;
    std::size_t refused_in_outage_ = 0;
};

}  // namespace mqauth::registry
