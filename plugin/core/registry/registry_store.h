// SPDX-License-Identifier: Apache-2.0
#pragma once
// Where registered devices are kept: one interface, an SQLite file or a PostgreSQL table behind
// it. A store keeps apart "the database cannot be reached" (a PostgreSQL outage: known devices
// keep connecting) from "the database refused" (a failed write: a bug or an operator's mistake).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "registry/device_record.h"

namespace mqauth::registry {

enum class StoreFailure {
    Unavailable,  // unreachable, timed out, shutting down: worth trying again later
    Failed,       // reached, and it refused (permissions, a corrupt file, a full disk)
};

struct StoreError {
    StoreFailure kind = StoreFailure::Failed;
    std::string message;  // never holds a password; the caller names the store
};

// A record, none (`record` and `error` both empty: no such device), or why the store could not
// say.
struct StoreAnswer {
    std::optional<DeviceRecord> record;
    std::optional<StoreError> error;
};

enum class Access { ReadWrite, ReadOnly };

class RegistryStore {
   public:
    virtual ~RegistryStore() = default;

    virtual StoreAnswer find(const DeviceKey& key) = 0;

    // Stores `record` durably, unless its key is taken already (by another broker, say), then
    // answers with the record stored under the key: `record` itself, or the one that was there
    // first. A record there with no fingerprint (imported) takes `record`'s.
    virtual StoreAnswer insert(const DeviceRecord& record) = 0;

    // Adds the records whose keys are not taken, in one transaction; returns how many it added.
    // For `mqauth devices import`, not for the broker.
    virtual std::optional<StoreError> import(const std::vector<DeviceRecord>& records,
                                             std::size_t& added) = 0;

    // Deletes the record under `key` (ApsaraMQ's DeleteDeviceCertificate); `removed` says whether
    // there was one. For `mqauth devices delete`, not for the broker.
    virtual std::optional<StoreError> remove(const DeviceKey& key, bool& removed) = 0;

    // Every record, oldest registration first.
    virtual std::optional<StoreError> each(
        const std::function<void(const DeviceRecord&)>& visit) = 0;
};

}  // namespace mqauth::registry
