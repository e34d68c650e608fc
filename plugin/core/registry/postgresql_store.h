// SPDX-License-Identifier: Apache-2.0
#pragma once
// The shared registry: one PostgreSQL table that every broker of a fleet registers into, so the
// inventory is fleet-wide. While the database cannot be reached, each call fails at once as
// Unavailable; the store tries again after a back-off (1 s, doubling up to 10 s), so an outage
// costs the broker at most one `timeout` per back-off period.
#include <chrono>
#include <memory>

#include "registry/postgresql_connection.h"
#include "registry/registry_source.h"
#include "registry/registry_store.h"

namespace mqauth::registry {

class PostgresqlStore final : public RegistryStore {
   public:
    // Does not connect: the first call does (so a broker starts while its database is down).
    explicit PostgresqlStore(const RegistrySource& source);

    StoreAnswer find(const DeviceKey& key) override;
    StoreAnswer insert(const DeviceRecord& record) override;
    std::optional<StoreError> import(const std::vector<DeviceRecord>& records,
                                     std::size_t& added) override;
    std::optional<StoreError> remove(const DeviceKey& key, bool& removed) override;
    std::optional<StoreError> each(const std::function<void(const DeviceRecord&)>& visit) override;

   private:
    QueryRows run(const std::string& sql, const std::vector<std::string>& parameters,
                  std::chrono::milliseconds timeout);
    StoreAnswer first_record(QueryRows rows);

    PostgresqlConnection connection_;
    std::chrono::milliseconds timeout_;
    std::chrono::milliseconds back_off_{0};
    Clock::time_point retry_at_{};
    std::string last_failure_;
};

}  // namespace mqauth::registry
