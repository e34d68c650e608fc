#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "certs/device_registry.h"
#include "test_pki.h"

using namespace mqauth::certs;
using mqauth::test_pki::make_temp_dir;
using mqauth::test_pki::read_text_file;
using mqauth::test_pki::write_text_file;

namespace {

RegistryEntry entry_for(const std::string& device_sn, const std::string& common_name) {
    return {{device_sn, "7F00"},
            "fleet-ca",
            common_name,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "2026-11-23T10:00:00Z",
            DeviceStatus::Active};
}

std::unique_ptr<DeviceRegistry> open_ok(const std::string& path) {
    RegistryOpening opening = DeviceRegistry::open(path);
    EXPECT_TRUE(opening.errors.empty()) << opening.errors.front();
    return std::move(opening.registry);
}

}  // namespace

TEST(DeviceRegistry, AMissingFileIsAnEmptyRegistry) {
    auto registry = open_ok(make_temp_dir() + "/registry.yaml");
    ASSERT_NE(registry, nullptr);
    EXPECT_EQ(registry->size(), 0u);
}

TEST(DeviceRegistry, ARegistrationIsOnDiskWhenAddReturns) {
    const std::string path = make_temp_dir() + "/registry.yaml";
    auto registry = open_ok(path);
    ASSERT_FALSE(registry->add(entry_for("1A2B", "dev1")));
    ASSERT_FALSE(registry->add(entry_for("3C4D", "dev \"two\"\n: {x}")));

    auto reopened = open_ok(path);
    ASSERT_EQ(reopened->size(), 2u);
    const RegistryEntry* second = reopened->find({"3C4D", "7F00"});
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->common_name, "dev \"two\"\n: {x}");
    EXPECT_EQ(second->first_seen, "2026-11-23T10:00:00Z");
    EXPECT_EQ(reopened->status_of({"1A2B", "7F00"}), DeviceStatus::Active);
    EXPECT_EQ(reopened->entries().front()->key.device_sn, "1A2B");  // registration order
}

TEST(DeviceRegistry, TheFileIsNotWorldReadable) {
    const std::string path = make_temp_dir() + "/registry.yaml";
    ASSERT_FALSE(open_ok(path)->add(entry_for("1A", "dev1")));
    struct stat status {};
    ASSERT_EQ(stat(path.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0640u);
}

TEST(DeviceRegistry, ACorruptFileIsAnErrorWithItsLineAndIsLeftUntouched) {
    const std::string path = make_temp_dir() + "/registry.yaml";
    const std::string corrupt =
        "version: 1\ndevices:\n  - device_sn: \"1A\"\n    ca_sn: \"7F\"\n    status: ACTIVE\n";
    write_text_file(path, corrupt);
    RegistryOpening opening = DeviceRegistry::open(path);
    EXPECT_EQ(opening.registry, nullptr);
    ASSERT_FALSE(opening.errors.empty());
    EXPECT_NE(opening.errors.front().find(path + ":3:5: devices[0].ca_name: MissingParameter"),
              std::string::npos)
        << opening.errors.front();
    EXPECT_EQ(read_text_file(path), corrupt);
}

TEST(DeviceRegistry, ASymbolicLinkIsRefusedRatherThanReplacedByAFile) {
    const std::string dir = make_temp_dir();
    const std::string target = dir + "/real-registry.yaml";
    const std::string link = dir + "/registry.yaml";
    ASSERT_FALSE(open_ok(target)->add(entry_for("1A", "dev1")));
    ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
    RegistryOpening opening = DeviceRegistry::open(link);
    EXPECT_EQ(opening.registry, nullptr);
    ASSERT_FALSE(opening.errors.empty());
    EXPECT_NE(opening.errors.front().find(link + ": the device registry is a symbolic link"),
              std::string::npos)
        << opening.errors.front();
    struct stat status {};
    ASSERT_EQ(lstat(link.c_str(), &status), 0);
    EXPECT_TRUE(S_ISLNK(status.st_mode));  // left as it is
}

TEST(DeviceRegistry, AFileTruncatedMidWriteIsCorruptNotEmpty) {
    const std::string path = make_temp_dir() + "/registry.yaml";
    {
        auto registry = open_ok(path);
        ASSERT_FALSE(registry->add(entry_for("1A2B", "dev1")));
    }
    const std::string whole = read_text_file(path);
    write_text_file(path, whole.substr(0, whole.size() / 2));
    RegistryOpening opening = DeviceRegistry::open(path);
    EXPECT_EQ(opening.registry, nullptr);
    EXPECT_FALSE(opening.errors.empty());
}

TEST(DeviceRegistry, AnEmptyFileAndADuplicateEntryAreCorrupt) {
    const std::string dir = make_temp_dir();
    write_text_file(dir + "/empty.yaml", "");
    EXPECT_EQ(DeviceRegistry::open(dir + "/empty.yaml").registry, nullptr);

    const std::string path = dir + "/registry.yaml";
    ASSERT_FALSE(open_ok(path)->add(entry_for("1A2B", "dev1")));
    std::string text = read_text_file(path);
    const auto item = text.find("  - device_sn");
    text += text.substr(item);
    write_text_file(path, text);
    RegistryOpening opening = DeviceRegistry::open(path);
    EXPECT_EQ(opening.registry, nullptr);
    ASSERT_FALSE(opening.errors.empty());
    EXPECT_NE(opening.errors.front().find("registered twice"), std::string::npos);
}

TEST(DeviceRegistry, AFailedWriteChangesNothingAndLeavesNoTemporaryFile) {
    const std::string dir = make_temp_dir();
    const std::string path = dir + "/registry.yaml";
    auto registry = open_ok(path);
    ASSERT_EQ(mkdir(path.c_str(), 0700), 0);  // the rename onto it will fail
    const auto error = registry->add(entry_for("3C4D", "dev2"));
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("cannot register device 3C4D"), std::string::npos) << *error;
    EXPECT_EQ(registry->find({"3C4D", "7F00"}), nullptr);
    EXPECT_EQ(registry->size(), 0u);
    std::unique_ptr<DIR, int (*)(DIR*)> listing(opendir(dir.c_str()), closedir);
    int entries = 0;
    while (const dirent* entry = readdir(listing.get())) {
        if (entry->d_name[0] != '.') ++entries;
    }
    EXPECT_EQ(entries, 1);  // only the directory standing in the way
}

TEST(DeviceRegistry, AWriteIntoAMissingDirectoryFailsCleanly) {
    auto registry = open_ok(make_temp_dir() + "/no/such/dir/registry.yaml");
    const auto error = registry->add(entry_for("1A2B", "dev1"));
    ASSERT_TRUE(error);
    EXPECT_EQ(registry->size(), 0u);
}

TEST(DeviceRegistry, AFileChangedBehindItsBackIsNeverOverwritten) {
    const std::string path = make_temp_dir() + "/registry.yaml";
    auto registry = open_ok(path);
    ASSERT_FALSE(registry->add(entry_for("1A2B", "dev1")));
    const std::string damaged = read_text_file(path) + "  - garbage\n";
    write_text_file(path, damaged);  // another writer (or damage) after mqauth's last write
    const auto error = registry->add(entry_for("3C4D", "dev2"));
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("changed on disk since mqauth last read it"), std::string::npos);
    EXPECT_EQ(read_text_file(path), damaged);
    EXPECT_EQ(registry->find({"3C4D", "7F00"}), nullptr);
}

TEST(DeviceRegistry, ADeletedFileIsWrittenAgainWithEveryRegistration) {
    const std::string path = make_temp_dir() + "/registry.yaml";
    auto registry = open_ok(path);
    ASSERT_FALSE(registry->add(entry_for("1A2B", "dev1")));
    ASSERT_EQ(unlink(path.c_str()), 0);
    ASSERT_FALSE(registry->add(entry_for("3C4D", "dev2")));
    EXPECT_EQ(open_ok(path)->size(), 2u);
}
