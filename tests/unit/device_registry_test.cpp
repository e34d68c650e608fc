// SPDX-License-Identifier: Apache-2.0
// The registry as the broker uses it, over a store the test controls: what it answers from
// memory, what it asks the store, and what it says in the log when the store is unreachable.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "registry/device_registry.h"

using namespace mqauth::registry;

namespace {

// A store in memory that can be made unreachable or refusing, and counts its calls.
class ScriptedStore final : public RegistryStore {
   public:
    std::map<std::string, DeviceRecord> records;  // by device_sn (one issuer in these tests)
    std::optional<StoreFailure> failing;
    int calls = 0;

    StoreAnswer find(const DeviceKey& key) override {
        ++calls;
        if (failing) return {std::nullopt, StoreError{*failing, "scripted failure"}};
        const auto found = records.find(key.device_sn);
        if (found == records.end()) return {};
        return {found->second, std::nullopt};
    }
    StoreAnswer insert(const DeviceRecord& record) override {
        ++calls;
        if (failing) return {std::nullopt, StoreError{*failing, "scripted failure"}};
        DeviceRecord& stored = records.emplace(record.key.device_sn, record).first->second;
        if (stored.fingerprint.empty()) stored.fingerprint = record.fingerprint;
        return {stored, std::nullopt};
    }
    std::optional<StoreError> import(const std::vector<DeviceRecord>&, std::size_t&) override {
        return std::nullopt;
    }
    std::optional<StoreError> remove(const DeviceKey& key, bool& removed) override {
        removed = records.erase(key.device_sn) > 0;
        return std::nullopt;
    }
    std::optional<StoreError> each(const std::function<void(const DeviceRecord&)>&) override {
        return std::nullopt;
    }
};

DeviceRecord seen(const std::string& device_sn, const std::string& fingerprint) {
    DeviceRecord record;
    record.key = {device_sn, "CN=Fleet CA"};
    record.fingerprint = fingerprint;
    record.ca_sn = "7F00";
    return record;
}

struct Fixture {
    ScriptedStore* store;
    std::unique_ptr<DeviceRegistry> registry;
};

Fixture make_registry() {
    auto store = std::make_unique<ScriptedStore>();
    ScriptedStore* raw = store.get();
    RegistrySource source;
    source.backend = Backend::Postgresql;
    source.location = "host=db dbname=mqauth";
    return {raw, std::make_unique<DeviceRegistry>(source, std::move(store))};
}

}  // namespace

TEST(DeviceRegistry, ANewDeviceIsRegisteredAndThenKnownWithoutAskingTheStore) {
    auto [store, registry] = make_registry();
    EXPECT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Registered);
    ASSERT_EQ(store->records.size(), 1u);
    const int calls = store->calls;
    const Registration again = registry->enrol(seen("1A", "AA"));
    EXPECT_EQ(again.outcome, RegistrationOutcome::Known);
    EXPECT_EQ(again.status, DeviceStatus::Active);
    EXPECT_EQ(store->calls, calls);
    EXPECT_EQ(registry->status_of({"1A", "CN=Fleet CA"}), DeviceStatus::Active);
}

TEST(DeviceRegistry, ADeviceAnotherBrokerRegisteredIsKnownWithItsState) {
    auto [store, registry] = make_registry();
    DeviceRecord elsewhere = seen("1A", "AA");
    elsewhere.status = DeviceStatus::Inactive;
    store->records["1A"] = elsewhere;
    const Registration registration = registry->enrol(seen("1A", "AA"));
    EXPECT_EQ(registration.outcome, RegistrationOutcome::Known);
    EXPECT_EQ(registration.status, DeviceStatus::Inactive);
    EXPECT_EQ(store->records.size(), 1u);
}

TEST(DeviceRegistry, TwoCertificatesUnderOneKeyAreNeverMerged) {
    auto [store, registry] = make_registry();
    ASSERT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Registered);
    EXPECT_EQ(registry->enrol(seen("1A", "BB")).outcome, RegistrationOutcome::KeyConflict);
    EXPECT_EQ(store->records["1A"].fingerprint, "AA");
    // Also when the first one was registered by another broker.
    store->records["2B"] = seen("2B", "CC");
    EXPECT_EQ(registry->enrol(seen("2B", "DD")).outcome, RegistrationOutcome::KeyConflict);
    EXPECT_EQ(registry->enrol(seen("2B", "CC")).outcome, RegistrationOutcome::Known);
}

TEST(DeviceRegistry, AnImportedRecordIsClaimedByTheFirstCertificateOnly) {
    auto [store, registry] = make_registry();
    store->records["1A"] = seen("1A", "");
    EXPECT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Known);
    EXPECT_EQ(store->records["1A"].fingerprint, "AA");
    EXPECT_EQ(registry->enrol(seen("1A", "BB")).outcome, RegistrationOutcome::KeyConflict);
}

TEST(DeviceRegistry, AnOutageRefusesNewDevicesOnlyAndIsLoggedOnceEachWay) {
    auto [store, registry] = make_registry();
    ASSERT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Registered);
    store->failing = StoreFailure::Unavailable;

    const Registration first = registry->enrol(seen("2B", "BB"));
    EXPECT_EQ(first.outcome, RegistrationOutcome::Unavailable);
    ASSERT_EQ(first.notices.size(), 1u);
    EXPECT_NE(first.notices[0].find("postgresql host=db dbname=mqauth is unreachable"),
              std::string::npos)
        << first.notices[0];
    const Registration second = registry->enrol(seen("3C", "CC"));
    EXPECT_EQ(second.outcome, RegistrationOutcome::Unavailable);
    EXPECT_TRUE(second.notices.empty());
    EXPECT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Known);

    store->failing.reset();
    const Registration back = registry->enrol(seen("2B", "BB"));
    EXPECT_EQ(back.outcome, RegistrationOutcome::Registered);
    ASSERT_EQ(back.notices.size(), 1u);
    EXPECT_NE(back.notices[0].find("reachable again"), std::string::npos);
    EXPECT_NE(back.notices[0].find("2 new devices were refused"), std::string::npos);
}

TEST(DeviceRegistry, ARefusedWriteIsAFailureWithItsReasonEveryTime) {
    auto [store, registry] = make_registry();
    store->failing = StoreFailure::Failed;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const Registration failed = registry->enrol(seen("1A", "AA"));
        EXPECT_EQ(failed.outcome, RegistrationOutcome::Failed);
        ASSERT_EQ(failed.notices.size(), 1u);
        EXPECT_NE(failed.notices[0].find("cannot register device certificate device_sn=1A"),
                  std::string::npos);
    }
    EXPECT_FALSE(registry->status_of({"1A", "CN=Fleet CA"}));
}

TEST(DeviceRegistry, AfterARecheckADeletedDeviceIsRegisteredAgainAndAnOutageKeepsWhatWasKnown) {
    auto [store, registry] = make_registry();
    ASSERT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Registered);
    ASSERT_EQ(registry->enrol(seen("2B", "BB")).outcome, RegistrationOutcome::Registered);
    store->records.erase("1A");  // mqauth devices delete
    EXPECT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Known);  // no recheck
    registry->recheck_known();
    EXPECT_EQ(registry->enrol(seen("1A", "AA")).outcome, RegistrationOutcome::Registered);
    EXPECT_EQ(store->records.count("1A"), 1u);
    store->failing = StoreFailure::Unavailable;
    const Registration during = registry->enrol(seen("2B", "BB"));
    EXPECT_EQ(during.outcome, RegistrationOutcome::Known);
    EXPECT_EQ(during.status, DeviceStatus::Active);
    store->failing.reset();
    const int calls = store->calls;
    EXPECT_EQ(registry->enrol(seen("2B", "BB")).outcome, RegistrationOutcome::Known);
    EXPECT_GT(store->calls, calls);  // still rechecked once the store is back
    const int after = store->calls;
    EXPECT_EQ(registry->enrol(seen("2B", "BB")).outcome, RegistrationOutcome::Known);
    EXPECT_EQ(store->calls, after);  // and then known again without the store
}
