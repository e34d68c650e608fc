// SPDX-License-Identifier: Apache-2.0
#pragma once
// The device registry as `mqauth explain` lets the engine see it: read from the real store, but
// never written. A first-seen certificate is answered as registered (what the broker would do on
// this CONNECT) and remembered here only, so the explanation can say so.
#include <memory>
#include <optional>

#include "registry/registry_store.h"

namespace mqauth::cli::explain {

class WhatIfStore final : public registry::RegistryStore {
   public:
    // `store` may be null: a registry file not created yet holds no device.
    explicit WhatIfStore(std::unique_ptr<registry::RegistryStore> store)
        : store_(std::move(store)) {}

    // The record the broker would have registered, if this CONNECT is a device's first.
    const std::optional<registry::DeviceRecord>& would_register() const { return would_register_; }

    registry::StoreAnswer find(const registry::DeviceKey& key) override;
    registry::StoreAnswer insert(const registry::DeviceRecord& record) override;
    std::optional<registry::StoreError> import(const std::vector<registry::DeviceRecord>& records,
                                               std::size_t& added) override;
    std::optional<registry::StoreError> remove(const registry::DeviceKey& key,
                                               bool& removed) override;
    std::optional<registry::StoreError> each(
        const std::function<void(const registry::DeviceRecord&)>& visit) override;

   private:
    std::unique_ptr<registry::RegistryStore> store_;
    std::optional<registry::DeviceRecord> would_register_;
};

}  // namespace mqauth::cli::explain
