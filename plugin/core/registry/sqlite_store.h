// SPDX-License-Identifier: Apache-2.0
#pragma once
// The embedded registry: one SQLite file, written by the broker that owns it. A registration is
// one small transaction (an indexed insert), whatever the number of devices already there.
#include <sys/types.h>

#include <memory>
#include <string>

#include "registry/registry_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace mqauth::registry {

class SqliteStore;

struct SqliteOpening {
    std::unique_ptr<SqliteStore> store;  // set on success
    std::string error;                   // else why ("PATH: ...")
    bool missing = false;                // ReadOnly: there is no such file (yet)
};

class SqliteStore final : public RegistryStore {
   public:
    // ReadWrite creates a missing file (mode 0640) as an empty registry. A file that is not an
    // mqauth registry (corrupt, another program's database, a newer schema) is an error and is
    // left exactly as it is. ReadOnly (the CLI) opens what is there; a missing file is an error
    // with `missing` set.
    static SqliteOpening open(const std::string& path, Access access);

    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    StoreAnswer find(const DeviceKey& key) override;
    StoreAnswer insert(const DeviceRecord& record) override;
    std::optional<StoreError> import(const std::vector<DeviceRecord>& records,
                                     std::size_t& added) override;
    std::optional<StoreError> remove(const DeviceKey& key, bool& removed) override;
    std::optional<StoreError> each(const std::function<void(const DeviceRecord&)>& visit) override;

    // False once the file at the path is not the one opened (replaced or removed on disk).
    bool still_current() const;

   private:
    SqliteStore(std::string path, sqlite3* database);
    std::optional<std::string> prepare();
    StoreError failure(const std::string& doing) const;
    bool insert_one(sqlite3_stmt* statement, const DeviceRecord& record);
    StoreError replaced() const;

    std::string path_;
    sqlite3* database_;
    sqlite3_stmt* find_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;
    sqlite3_stmt* import_ = nullptr;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

}  // namespace mqauth::registry
