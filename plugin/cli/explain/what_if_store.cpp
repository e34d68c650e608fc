// SPDX-License-Identifier: Apache-2.0
#include "explain/what_if_store.h"

namespace mqauth::cli::explain {
namespace {

registry::StoreError read_only() {
    return {registry::StoreFailure::Failed, "mqauth explain does not change the registry"};
}

}  // namespace

registry::StoreAnswer WhatIfStore::find(const registry::DeviceKey& key) {
    if (!store_) return {};
    return store_->find(key);
}

registry::StoreAnswer WhatIfStore::insert(const registry::DeviceRecord& record) {
    registry::StoreAnswer stored = find(record.key);
    if (stored.error) return stored;
    if (stored.record) {
        // As the real stores do: a record imported without a fingerprint takes this
        // certificate's (here only in the answer).
        if (stored.record->fingerprint.empty()) stored.record->fingerprint = record.fingerprint;
        return stored;
    }
    would_register_ = record;
    return {record, std::nullopt};
}

std::optional<registry::StoreError> WhatIfStore::import(
    const std::vector<registry::DeviceRecord>& /*records*/, std::size_t& added) {
    added = 0;
    return read_only();
}

std::optional<registry::StoreError> WhatIfStore::remove(const registry::DeviceKey& /*key*/,
                                                        bool& removed) {
    removed = false;
    return read_only();
}

std::optional<registry::StoreError> WhatIfStore::each(
    const std::function<void(const registry::DeviceRecord&)>& visit) {
    if (!store_) return std::nullopt;
    return store_->each(visit);
}

}  // namespace mqauth::cli::explain
