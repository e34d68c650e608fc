// SPDX-License-Identifier: Apache-2.0
#pragma once
// The store a registry source names, opened for the broker (ReadWrite) or for the CLI's listing
// (ReadOnly).
#include <memory>
#include <string>

#include "registry/registry_source.h"
#include "registry/registry_store.h"

namespace mqauth::registry {

struct StoreOpening {
    std::unique_ptr<RegistryStore> store;  // set on success
    std::string error;                     // else why
    bool missing = false;                  // ReadOnly SQLite: no file yet (nothing registered)
};

// SQLite is opened and checked now; PostgreSQL is reached on the store's first call.
StoreOpening open_store(const RegistrySource& source, Access access);

}  // namespace mqauth::registry
