// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "engine/engine.h"
#include "metric_values.h"
#include "registry/sqlite_store.h"
#include "test_pki.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

// A fleet CA (serial 7F00) on disk, devices it issued, and an engine whose policy lists it.
class EngineCertificates : public ::testing::Test {
   protected:
    void SetUp() override {
        dir_ = test_pki::make_temp_dir();
        test_pki::write_text_file(dir_ + "/ca.pem", test_pki::to_pem(ca_.certificate.get()));
        engine_ = std::make_unique<Engine>(policy_with(""));
        engine_->use_registry(open_registry());
        engine_->send_notices_to([this](const std::string& line) { notices_.push_back(line); });
    }

    std::shared_ptr<const Policy> policy_with(const std::string& extra,
                                              const std::string& ca_status = "ACTIVE") {
        const std::string yaml =
            "version: 1\npermissions: {}\nca_certificates:\n  - ca_name: fleet-ca\n"
            "    file: ca.pem\n    status: " +
            ca_status +
            "\n"
            "device_certificates:\n  registry: {sqlite: devices.db}\n" +
            extra;
        config::LoadResult result = config::load_text(yaml, "auth.yaml", dir_);
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.formatted_errors().front());
        return result.policy;
    }

    std::unique_ptr<registry::DeviceRegistry> open_registry() {
        return std::move(registry::DeviceRegistry::open(source()).registry);
    }

    registry::RegistrySource source() const {
        return {registry::Backend::Sqlite, dir_ + "/devices.db", std::nullopt, {}};
    }

    // What a separate reader of the file finds: the registrations are on disk.
    std::vector<registry::DeviceRecord> on_disk() const {
        std::vector<registry::DeviceRecord> records;
        auto opening =
            registry::SqliteStore::open(dir_ + "/devices.db", registry::Access::ReadOnly);
        if (opening.store) {
            opening.store->each(
                [&](const registry::DeviceRecord& record) { records.push_back(record); });
        }
        return records;
    }

    // dev1_'s registry key: its serial and its issuer, the fleet CA.
    static registry::DeviceKey key_of_dev1() { return {"1A2B", "CN=fleet-ca"}; }

    // What the handshake found for a device certificate, under the current policy.
    certs::Verification handshake(const test_pki::TestCertificate& device) {
        return certs::verify_certificate(device.certificate.get(), engine_->policy().certificates);
    }

    Decision connect(ConnectionId connection, const certs::Verification& verification,
                     std::string_view client_id,
                     std::optional<std::string_view> username = std::nullopt) {
        ConnectRequest request;
        request.connection = connection;
        request.client_id = client_id;
        request.username = username;
        request.certificate = &verification;
        return engine_->authenticate(request);
    }

    // As the adapter reloads: the registry the policy names again is not opened again.
    std::vector<Withdrawal> reload(const std::string& extra,
                                   const std::string& ca_status = "ACTIVE") {
        return engine_->replace_policy(policy_with(extra, ca_status));
    }

    test_pki::TestCertificate ca_ = test_pki::make_ca("fleet-ca", 0x7F00);
    test_pki::TestCertificate dev1_ = test_pki::make_leaf("dev1", 0x1A2B, ca_);
    std::string dir_;
    std::unique_ptr<Engine> engine_;
    std::vector<std::string> notices_;
};

}  // namespace

TEST_F(EngineCertificates, AFirstSeenDeviceIsRegisteredBeforeItIsAdmitted) {
    const auto verification = handshake(dev1_);
    EXPECT_EQ(connect(1, verification, "dev1").verdict, Verdict::Allow);
    ASSERT_NE(engine_->registry(), nullptr);
    EXPECT_EQ(engine_->registry()->status_of(key_of_dev1()), registry::DeviceStatus::Active);
    const auto records = on_disk();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].key, key_of_dev1());
    EXPECT_EQ(records[0].common_name, "dev1");
    EXPECT_EQ(records[0].ca_sn, "7F00");
    EXPECT_EQ(records[0].fingerprint, verification.device->facts.fingerprint);
    ASSERT_EQ(notices_.size(), 1u);
    EXPECT_EQ(notices_[0],
              "registered device certificate device_sn=1A2B issuer=\"CN=fleet-ca\" ca_sn=7F00 "
              "ca_name=fleet-ca");

    EXPECT_EQ(connect(2, verification, "dev1").verdict, Verdict::Allow);
    EXPECT_EQ(notices_.size(), 1u);  // registered once
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_device_registrations_total"), 1);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_device_registry_known"), 1);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_connect_decisions_total",
                                   {"certificate", "allow", "none"}),
              2);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_live_clients", {"certificate"}), 2);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_policy_entries", {"cas"}), 1);
}

TEST_F(EngineCertificates, TheCnBecomesTheUsernameOnlyWhenTheConnectHasNone) {
    const auto verification = handshake(dev1_);
    ASSERT_EQ(connect(1, verification, "c1").verdict, Verdict::Allow);
    ASSERT_EQ(connect(2, verification, "c2", "").verdict, Verdict::Allow);
    ASSERT_EQ(connect(3, verification, "c3", "gateway").verdict, Verdict::Allow);
    EXPECT_EQ(*engine_->admitted_username(1), std::optional<std::string>("dev1"));
    EXPECT_EQ(*engine_->admitted_username(2), std::optional<std::string>("dev1"));
    EXPECT_EQ(*engine_->admitted_username(3), std::optional<std::string>("gateway"));
}

TEST_F(EngineCertificates, ACertificateDecidesWhateverPasswordComesWithIt) {
    const auto verification = handshake(dev1_);
    ConnectRequest request;
    request.connection = 1;
    request.client_id = "dev1";
    request.username = "nobody";
    request.password = "wrong";
    request.certificate = &verification;
    EXPECT_EQ(engine_->authenticate(request).verdict, Verdict::Allow);
}

TEST_F(EngineCertificates, BindingRefusesAClientIdOtherThanTheCn) {
    engine_->replace_policy(policy_with("  bind_client_id_to_cn: true\n"), open_registry());
    const auto verification = handshake(dev1_);
    EXPECT_EQ(connect(1, verification, "dev2").reason, Reason::ClientIdNotCommonName);
    EXPECT_EQ(connect(2, verification, "dev1").verdict, Verdict::Allow);
}

TEST_F(EngineCertificates, HandshakeProblemsBecomeRefusalReasons) {
    const auto other_ca = test_pki::make_ca("other", 0x99);
    const auto rogue = test_pki::make_leaf("rogue", 5, other_ca);
    const auto expired = test_pki::make_leaf("old", 6, ca_, {-7200, -3600});
    EXPECT_EQ(connect(1, handshake(rogue), "rogue").reason, Reason::UnknownCa);
    EXPECT_EQ(connect(2, handshake(expired), "old").reason, Reason::CertificateExpired);
    EXPECT_TRUE(on_disk().empty());
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_device_refusals_total", {"unknown_ca"}), 1);
    EXPECT_EQ(
        metric_values::value(*engine_, "mqauth_device_refusals_total", {"certificate_expired"}), 1);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_device_registrations_total"), 0);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_connect_decisions_total",
                                   {"certificate", "deny", "unknown_ca"}),
              1);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_connect_decisions_total",
                                   {"certificate", "deny", "certificate_expired"}),
              1);
}

TEST_F(EngineCertificates, AReloadBetweenHandshakeAndConnectIsHonoured) {
    const auto verification = handshake(dev1_);  // verified while ACTIVE
    reload("  states:\n    - {device_sn: 1a2b, ca_sn: 7f00, status: INACTIVE}\n");
    EXPECT_EQ(connect(1, verification, "dev1").reason, Reason::CertificateInactive);
}

TEST_F(EngineCertificates, AReloadWithdrawsRevokedDevicesAndInactiveCas) {
    const auto dev2 = test_pki::make_leaf("dev2", 0x3C4D, ca_);
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    ASSERT_EQ(connect(2, handshake(dev2), "dev2").verdict, Verdict::Allow);

    auto withdrawn = reload("  states:\n    - {device_sn: 1A2B, ca_sn: 7F00, status: REVOKED}\n");
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "dev1");
    EXPECT_EQ(withdrawn[0].reason, Reason::CertificateRevoked);

    withdrawn = reload("", "INACTIVE");
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "dev2");
    EXPECT_EQ(withdrawn[0].reason, Reason::CaInactive);
}

TEST_F(EngineCertificates, ReactivationAdmitsTheDeviceAgain) {
    reload("  states:\n    - {device_sn: 1A2B, ca_sn: 7F00, status: INACTIVE}\n");
    EXPECT_EQ(connect(1, handshake(dev1_), "dev1").reason, Reason::CertificateInactive);
    reload("  states:\n    - {device_sn: 1A2B, ca_sn: 7F00, status: ACTIVE}\n");
    EXPECT_EQ(connect(2, handshake(dev1_), "dev1").verdict, Verdict::Allow);
}

TEST_F(EngineCertificates, ARegistrationThatCannotBeWrittenFailsClosed) {
    ASSERT_EQ(rename((dir_ + "/devices.db").c_str(), (dir_ + "/moved.db").c_str()), 0);
    const Decision decision = connect(1, handshake(dev1_), "dev1");
    EXPECT_EQ(decision.verdict, Verdict::Error);
    EXPECT_EQ(decision.reason, Reason::RegistryWriteFailed);
    EXPECT_EQ(engine_->live_client_count(), 0u);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_connect_decisions_total",
                                   {"certificate", "error", "registry_write_failed"}),
              1);
    EXPECT_EQ(metric_values::value(*engine_, "mqauth_live_clients", {"certificate"}), 0);
    ASSERT_EQ(notices_.size(), 1u);
    EXPECT_NE(notices_[0].find("cannot register device certificate device_sn=1A2B"),
              std::string::npos)
        << notices_[0];
}

TEST_F(EngineCertificates, AReloadKeepsTheOpenRegistryWithWhatItLearnt) {
    const registry::DeviceRegistry* open = engine_->registry();
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    reload("");
    EXPECT_EQ(engine_->registry(), open);
    EXPECT_TRUE(engine_->registry()->status_of(key_of_dev1()));
}

TEST_F(EngineCertificates, AReloadNamingAnotherRegistryUsesItAndOneNamingNoneDropsIt) {
    registry::RegistrySource elsewhere = source();
    elsewhere.location = dir_ + "/elsewhere.db";
    engine_->replace_policy(policy_with(""), registry::DeviceRegistry::open(elsewhere).registry);
    EXPECT_EQ(engine_->registry()->source().location, elsewhere.location);
    config::LoadResult none = config::load_text("version: 1\n", "auth.yaml", dir_);
    ASSERT_TRUE(none.ok());
    engine_->replace_policy(none.policy);
    EXPECT_EQ(engine_->registry(), nullptr);
}

TEST_F(EngineCertificates, TwoCertificatesWithOneSerialFromOneIssuerAreNotMerged) {
    const auto twin = test_pki::make_leaf("dev1-twin", 0x1A2B, ca_);  // the CA reused a serial
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    const Decision refused = connect(2, handshake(twin), "dev1-twin");
    EXPECT_EQ(refused.verdict, Verdict::Deny);
    EXPECT_EQ(refused.reason, Reason::CertificateKeyConflict);
    ASSERT_EQ(notices_.size(), 2u);
    EXPECT_NE(notices_[1].find("another certificate is registered under this serial and issuer"),
              std::string::npos);
    EXPECT_EQ(on_disk().size(), 1u);
    EXPECT_EQ(connect(3, handshake(dev1_), "dev1").verdict, Verdict::Allow);
}

TEST_F(EngineCertificates, TheRegistrysOwnStateOfADeviceCounts) {
    registry::DeviceRecord record;
    record.key = key_of_dev1();
    record.ca_sn = "7F00";
    record.status = registry::DeviceStatus::Inactive;  // imported from the YAML registry, say
    {
        auto opening =
            registry::SqliteStore::open(dir_ + "/devices.db", registry::Access::ReadWrite);
        std::size_t added = 0;
        ASSERT_FALSE(opening.store->import({record}, added));
    }
    EXPECT_EQ(connect(1, handshake(dev1_), "dev1").reason, Reason::CertificateInactive);
    reload("  states:\n    - {device_sn: 1A2B, issuer: \"CN=fleet-ca\", status: ACTIVE}\n");
    EXPECT_EQ(connect(2, handshake(dev1_), "dev1").verdict, Verdict::Allow);
}

TEST_F(EngineCertificates, AnUnreachableSharedRegistryRefusesNewDevicesAsUnavailable) {
    registry::RegistrySource unreachable{registry::Backend::Postgresql,
                                         "host=127.0.0.1 port=1 dbname=mqauth", std::nullopt,
                                         std::chrono::milliseconds(200)};
    engine_->use_registry(registry::DeviceRegistry::open(unreachable).registry);
    const Decision decision = connect(1, handshake(dev1_), "dev1");
    EXPECT_EQ(decision.verdict, Verdict::Error);
    EXPECT_EQ(decision.reason, Reason::RegistryUnavailable);
    ASSERT_EQ(notices_.size(), 1u);
    EXPECT_NE(notices_[0].find("is unreachable"), std::string::npos) << notices_[0];
    EXPECT_EQ(connect(2, handshake(dev1_), "dev1").reason, Reason::RegistryUnavailable);
    EXPECT_EQ(notices_.size(), 1u);  // one line per outage
}

TEST_F(EngineCertificates, SwitchingOnCnBindingWithdrawsClientsWhoseIdIsNotTheCn) {
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    ASSERT_EQ(connect(2, handshake(dev1_), "someone-else").verdict, Verdict::Allow);
    const auto withdrawn = reload("  bind_client_id_to_cn: true\n");
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "someone-else");
    EXPECT_EQ(withdrawn[0].reason, Reason::ClientIdNotCommonName);
}

TEST_F(EngineCertificates, RenamingACaDisconnectsNoneOfItsDevices) {
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    const std::string yaml =
        "version: 1\npermissions: {}\nca_certificates:\n  - ca_name: fleet-ca-2026\n"
        "    file: ca.pem\ndevice_certificates:\n  registry: {sqlite: devices.db}\n";
    config::LoadResult renamed = config::load_text(yaml, "auth.yaml", dir_);
    ASSERT_TRUE(renamed.ok());
    EXPECT_TRUE(engine_->replace_policy(renamed.policy, open_registry()).empty());
}

TEST_F(EngineCertificates, AFileReplacedBehindMqauthsBackIsNotWrittenEvenAfterAReload) {
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    const std::string path = dir_ + "/devices.db";
    ASSERT_EQ(rename(path.c_str(), (dir_ + "/old.db").c_str()), 0);
    { registry::SqliteStore::open(path, registry::Access::ReadWrite); }  // a restored backup
    const auto dev2 = test_pki::make_leaf("dev2", 0x3C4D, ca_);
    EXPECT_EQ(connect(2, handshake(dev2), "dev2").reason, Reason::RegistryWriteFailed);
    reload("");
    EXPECT_EQ(connect(3, handshake(dev2), "dev2").reason, Reason::RegistryWriteFailed);
    EXPECT_NE(notices_.back().find("until the broker restarts"), std::string::npos);
    EXPECT_EQ(connect(4, handshake(dev1_), "dev1").verdict, Verdict::Allow);  // known
    EXPECT_TRUE(on_disk().empty());  // the restored file was left alone
}
