// SPDX-License-Identifier: Apache-2.0
#include "registry/store_opening.h"

#include "registry/postgresql_store.h"
#include "registry/sqlite_store.h"

namespace mqauth::registry {

StoreOpening open_store(const RegistrySource& source, Access access) {
    StoreOpening opening;
    if (source.backend == Backend::Postgresql) {
        opening.store = std::make_unique<PostgresqlStore>(source);
        return opening;
    }
    SqliteOpening sqlite = SqliteStore::open(source.location, access);
    opening.store = std::move(sqlite.store);
    opening.error = std::move(sqlite.error);
    opening.missing = sqlite.missing;
    return opening;
}

}  // namespace mqauth::registry
