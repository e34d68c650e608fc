#include <gtest/gtest.h>

#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "engine/engine.h"
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
            "device_certificates:\n  registry_file: registry.yaml\n" +
            extra;
        config::LoadResult result = config::load_text(yaml, "auth.yaml", dir_);
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.formatted_errors().front());
        return result.policy;
    }

    std::unique_ptr<certs::DeviceRegistry> open_registry() {
        return std::move(certs::DeviceRegistry::open(dir_ + "/registry.yaml").registry);
    }

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

    std::vector<Withdrawal> reload(const std::string& extra,
                                   const std::string& ca_status = "ACTIVE") {
        return engine_->replace_policy(policy_with(extra, ca_status), open_registry());
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
    const certs::RegistryEntry* entry = engine_->registry()->find({"1A2B", "7F00"});
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->common_name, "dev1");
    EXPECT_EQ(open_registry()->size(), 1u);  // on disk, not only in memory
    ASSERT_EQ(notices_.size(), 1u);
    EXPECT_EQ(notices_[0],
              "registered device certificate device_sn=1A2B ca_sn=7F00 ca_name=fleet-ca");

    EXPECT_EQ(connect(2, verification, "dev1").verdict, Verdict::Allow);
    EXPECT_EQ(notices_.size(), 1u);  // registered once
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
    EXPECT_EQ(engine_->registry()->size(), 0u);
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
    const std::string registry_path = dir_ + "/registry.yaml";
    engine_->use_registry(open_registry());
    ASSERT_EQ(mkdir(registry_path.c_str(), 0700), 0);  // the durable rename will fail
    const Decision decision = connect(1, handshake(dev1_), "dev1");
    EXPECT_EQ(decision.verdict, Verdict::Error);
    EXPECT_EQ(decision.reason, Reason::RegistryWriteFailed);
    EXPECT_EQ(engine_->live_client_count(), 0u);
    ASSERT_EQ(notices_.size(), 1u);
    EXPECT_NE(notices_[0].find("cannot register device 1A2B"), std::string::npos) << notices_[0];
}

TEST_F(EngineCertificates, AReloadReadAheadOfARegistrationDoesNotLoseIt) {
    auto read_before = open_registry();  // a reload reads the file on another thread...
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);  // ...meanwhile
    engine_->replace_policy(policy_with(""), std::move(read_before));
    EXPECT_NE(engine_->registry()->find({"1A2B", "7F00"}), nullptr);
    const auto dev2 = test_pki::make_leaf("dev2", 0x3C4D, ca_);
    ASSERT_EQ(connect(2, handshake(dev2), "dev2").verdict, Verdict::Allow);
    EXPECT_EQ(open_registry()->size(), 2u);  // the file kept dev1 too
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
        "    file: ca.pem\ndevice_certificates:\n  registry_file: registry.yaml\n";
    config::LoadResult renamed = config::load_text(yaml, "auth.yaml", dir_);
    ASSERT_TRUE(renamed.ok());
    EXPECT_TRUE(engine_->replace_policy(renamed.policy, open_registry()).empty());
}

TEST_F(EngineCertificates, AReloadAdoptsARegistryFileRepairedBehindMqauthsBack) {
    ASSERT_EQ(connect(1, handshake(dev1_), "dev1").verdict, Verdict::Allow);
    const std::string path = dir_ + "/registry.yaml";
    const std::string good = test_pki::read_text_file(path);
    test_pki::write_text_file(path, good + "  - damage\n");
    const auto dev2 = test_pki::make_leaf("dev2", 0x3C4D, ca_);
    EXPECT_EQ(connect(2, handshake(dev2), "dev2").reason, Reason::RegistryWriteFailed);

    test_pki::write_text_file(path, good);  // the operator repairs it, then reloads
    reload("");
    EXPECT_EQ(connect(3, handshake(dev2), "dev2").verdict, Verdict::Allow);
    EXPECT_EQ(open_registry()->size(), 2u);
}
