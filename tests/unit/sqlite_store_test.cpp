// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "registry/sqlite_store.h"
#include "test_pki.h"

using namespace mqauth::registry;
using mqauth::test_pki::make_temp_dir;
using mqauth::test_pki::read_text_file;
using mqauth::test_pki::write_text_file;

namespace {

DeviceRecord record_for(const std::string& device_sn, const std::string& fingerprint) {
    return {{device_sn, "CN=Fleet CA,O=Acme"},
            fingerprint,
            "7F00",
            "fleet-ca",
            "dev-" + device_sn,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "2026-11-23T10:00:00Z",
            DeviceStatus::Active};
}

std::unique_ptr<SqliteStore> open_ok(const std::string& path, Access access = Access::ReadWrite) {
    SqliteOpening opening = SqliteStore::open(path, access);
    EXPECT_TRUE(opening.error.empty()) << opening.error;
    return std::move(opening.store);
}

void run_sql(const std::string& path, const char* sql) {
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(database, sql, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(database);
    sqlite3_close(database);
}

}  // namespace

TEST(SqliteStore, AMissingFileBecomesAnEmptyRegistryOnlyTheBrokerCanRead) {
    const std::string path = make_temp_dir() + "/devices.db";
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    StoreAnswer answer = store->find({"1A", "CN=x"});
    EXPECT_FALSE(answer.record);
    EXPECT_FALSE(answer.error);
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0640u);
}

TEST(SqliteStore, ARegistrationIsThereForTheNextOpener) {
    const std::string path = make_temp_dir() + "/devices.db";
    {
        auto store = open_ok(path);
        StoreAnswer stored = store->insert(record_for("1A2B", "AA"));
        ASSERT_TRUE(stored.record);
        EXPECT_EQ(stored.record->fingerprint, "AA");
    }
    auto reopened = open_ok(path, Access::ReadOnly);
    StoreAnswer found = reopened->find({"1A2B", "CN=Fleet CA,O=Acme"});
    ASSERT_TRUE(found.record);
    EXPECT_EQ(found.record->common_name, "dev-1A2B");
    EXPECT_EQ(found.record->status, DeviceStatus::Active);
    EXPECT_FALSE(reopened->find({"1A2B", "CN=Other CA"}).record);  // serials are per issuer
}

TEST(SqliteStore, TheFirstCertificateUnderAKeyStaysRegistered) {
    auto store = open_ok(make_temp_dir() + "/devices.db");
    ASSERT_TRUE(store->insert(record_for("1A2B", "AA")).record);
    StoreAnswer second = store->insert(record_for("1A2B", "BB"));
    ASSERT_TRUE(second.record);
    EXPECT_EQ(second.record->fingerprint, "AA");
}

TEST(SqliteStore, AnImportedRecordTakesTheFingerprintOfTheFirstCertificate) {
    auto store = open_ok(make_temp_dir() + "/devices.db");
    std::size_t added = 0;
    ASSERT_FALSE(store->import({record_for("1A2B", "")}, added));
    EXPECT_EQ(added, 1u);
    EXPECT_EQ(store->insert(record_for("1A2B", "AA")).record->fingerprint, "AA");
    EXPECT_EQ(store->insert(record_for("1A2B", "BB")).record->fingerprint, "AA");
}

TEST(SqliteStore, AnImportAddsOnlyWhatIsNotThereAndListsInRegistrationOrder) {
    auto store = open_ok(make_temp_dir() + "/devices.db");
    ASSERT_TRUE(store->insert(record_for("2B", "AA")).record);
    std::size_t added = 0;
    ASSERT_FALSE(
        store->import({record_for("1A", ""), record_for("2B", ""), record_for("3C", "")}, added));
    EXPECT_EQ(added, 2u);
    ASSERT_FALSE(store->import({record_for("1A", "")}, added));
    EXPECT_EQ(added, 0u);
    std::string order;
    ASSERT_FALSE(store->each([&](const DeviceRecord& record) { order += record.key.device_sn; }));
    EXPECT_EQ(order, "2B1A3C");
    EXPECT_EQ(store->find({"2B", "CN=Fleet CA,O=Acme"}).record->fingerprint, "AA");
}

TEST(SqliteStore, AFileThatIsNotADatabaseIsRefusedAndLeftUntouched) {
    const std::string path = make_temp_dir() + "/devices.db";
    const std::string garbage = "version: 1\ndevices: []\n";  // a YAML registry, say
    write_text_file(path, garbage);
    SqliteOpening opening = SqliteStore::open(path, Access::ReadWrite);
    EXPECT_EQ(opening.store, nullptr);
    EXPECT_NE(opening.error.find("not a readable SQLite database"), std::string::npos)
        << opening.error;
    EXPECT_NE(opening.error.find("left as it is"), std::string::npos);
    EXPECT_EQ(read_text_file(path), garbage);
}

TEST(SqliteStore, AnotherProgramsDatabaseIsRefusedAndLeftUntouched) {
    const std::string path = make_temp_dir() + "/devices.db";
    run_sql(path, "CREATE TABLE accounts (id INTEGER); INSERT INTO accounts VALUES (1);");
    SqliteOpening opening = SqliteStore::open(path, Access::ReadWrite);
    EXPECT_EQ(opening.store, nullptr);
    EXPECT_NE(opening.error.find("not an mqauth device registry"), std::string::npos)
        << opening.error;
    run_sql(path, "SELECT id FROM accounts");  // still there, still not WAL-converted below
}

TEST(SqliteStore, ARegistryFromANewerVersionIsRefused) {
    const std::string path = make_temp_dir() + "/devices.db";
    { open_ok(path); }
    run_sql(path, "PRAGMA user_version = 99");
    SqliteOpening opening = SqliteStore::open(path, Access::ReadWrite);
    EXPECT_EQ(opening.store, nullptr);
    EXPECT_NE(opening.error.find("newer mqauth (schema version 99)"), std::string::npos);
}

TEST(SqliteStore, AFileReplacedOnDiskIsNeverWrittenBehindTheNewOnesBack) {
    const std::string dir = make_temp_dir();
    const std::string path = dir + "/devices.db";
    auto store = open_ok(path);
    ASSERT_TRUE(store->insert(record_for("1A", "AA")).record);
    { open_ok(dir + "/restored.db"); }
    ASSERT_EQ(rename((dir + "/restored.db").c_str(), path.c_str()), 0);  // a restored backup
    EXPECT_FALSE(store->still_current());
    StoreAnswer refused = store->insert(record_for("2B", "BB"));
    ASSERT_TRUE(refused.error);
    EXPECT_EQ(refused.error->kind, StoreFailure::Failed);
    EXPECT_NE(refused.error->message.find("replaced or removed on disk"), std::string::npos);
    EXPECT_FALSE(open_ok(path)->find({"2B", "CN=Fleet CA,O=Acme"}).record);
}

TEST(SqliteStore, ReadingAMissingRegistrySaysSoWithoutCreatingIt) {
    const std::string path = make_temp_dir() + "/devices.db";
    SqliteOpening opening = SqliteStore::open(path, Access::ReadOnly);
    EXPECT_EQ(opening.store, nullptr);
    EXPECT_TRUE(opening.missing);
    EXPECT_NE(access(path.c_str(), F_OK), 0);
}

TEST(SqliteStore, AWriteIntoAMissingDirectoryFailsCleanly) {
    SqliteOpening opening =
        SqliteStore::open(make_temp_dir() + "/no/such/dir/devices.db", Access::ReadWrite);
    EXPECT_EQ(opening.store, nullptr);
    EXPECT_NE(opening.error.find("cannot create it"), std::string::npos) << opening.error;
}

TEST(SqliteStore, ALinkToAFileThatIsNotThereIsNamedAsSuch) {
    const std::string dir = make_temp_dir();
    ASSERT_EQ(symlink((dir + "/gone/devices.db").c_str(), (dir + "/devices.db").c_str()), 0);
    SqliteOpening opening = SqliteStore::open(dir + "/devices.db", Access::ReadWrite);
    EXPECT_EQ(opening.store, nullptr);
    EXPECT_NE(opening.error.find("a symbolic link to a file that does not exist"),
              std::string::npos)
        << opening.error;
}
