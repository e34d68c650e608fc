// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "test_pki.h"

using namespace mqauth;
using namespace mqauth::config;

namespace {

// A directory holding ca.pem (serial 7F00), other.pem (serial 7F01) and leaf.pem (not a CA).
class ConfigCertificates : public ::testing::Test {
   protected:
    void SetUp() override {
        dir_ = test_pki::make_temp_dir();
        const auto ca = test_pki::make_ca("fleet-ca", 0x7F00);
        const auto other = test_pki::make_ca("other-ca", 0x7F01);
        const auto leaf = test_pki::make_leaf("dev1", 0x1A, ca);
        test_pki::write_text_file(dir_ + "/ca.pem", test_pki::to_pem(ca.certificate.get()));
        test_pki::write_text_file(dir_ + "/other.pem", test_pki::to_pem(other.certificate.get()));
        test_pki::write_text_file(dir_ + "/leaf.pem", test_pki::to_pem(leaf.certificate.get()));
        test_pki::write_text_file(dir_ + "/two.pem", test_pki::to_pem(ca.certificate.get()) +
                                                         test_pki::to_pem(other.certificate.get()));
        test_pki::write_text_file(dir_ + "/junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n");
    }

    LoadResult load(const std::string& sections) {
        return load_text("version: 1\npermissions: {}\n" + sections, "auth.yaml", dir_);
    }

    std::vector<std::string> errors(const std::string& sections) {
        return load(sections).formatted_errors();
    }

    std::string dir_;
};

const char* const kRegistry = "device_certificates:\n  registry: {sqlite: devices.db}\n";

}  // namespace

TEST_F(ConfigCertificates, LoadsCasAndDeviceSettingsWithPathsRelativeToTheConfig) {
    const LoadResult result =
        load(std::string("ca_certificates:\n"
                         "  - ca_name: fleet-ca\n    file: ca.pem\n"
                         "  - ca_name: old-ca\n    file: other.pem\n    status: INACTIVE\n"
                         "device_certificates:\n"
                         "  registry:\n"
                         "    sqlite: devices.db\n"
                         "  bind_client_id_to_cn: true\n"
                         "  states:\n"
                         "    - {device_sn: \"00a1b2\", ca_sn: 7f00, status: REVOKED}\n"
                         "    - {device_sn: 1A, issuer: \"CN=Issuing\\\\, East\", status: "
                         "INACTIVE}\n"));
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const certs::CertificatePolicy& certificates = result.policy->certificates;
    ASSERT_EQ(certificates.authorities.size(), 2u);
    EXPECT_EQ(certificates.authorities.find_by_name("fleet-ca")->serial, "7F00");
    EXPECT_EQ(certificates.authorities.find_by_name("fleet-ca")->status, certs::CaStatus::Active);
    EXPECT_EQ(certificates.authorities.find_by_name("old-ca")->status, certs::CaStatus::Inactive);
    ASSERT_TRUE(certificates.registry);
    EXPECT_EQ(certificates.registry->backend, registry::Backend::Sqlite);
    EXPECT_EQ(certificates.registry->location, dir_ + "/devices.db");
    EXPECT_TRUE(certificates.bind_client_id_to_cn);
    EXPECT_EQ(certificates.states.decision({"A1B2", "", "7F00"}), certs::DeviceStatus::Revoked);
    EXPECT_EQ(certificates.states.decision({"1A", "CN=Issuing\\, East", ""}),
              certs::DeviceStatus::Inactive);
}

TEST_F(ConfigCertificates, ListedCasNeedARegistry) {
    EXPECT_EQ(errors("ca_certificates:\n  - ca_name: fleet-ca\n    file: ca.pem\n"),
              std::vector<std::string>{"auth.yaml:4:3: device_certificates.registry: "
                                       "MissingParameter: listed CAs need "
                                       "device_certificates.registry (where first-seen "
                                       "certificates are registered)"});
}

TEST_F(ConfigCertificates, APostgresqlRegistryKeepsItsPasswordOutOfTheConnectionString) {
    test_pki::write_text_file(dir_ + "/registry.pass", "s3cret\n");
    const LoadResult result =
        load(std::string("device_certificates:\n"
                         "  registry:\n"
                         "    postgresql: \"host=127.0.0.1 port=5432 dbname=mqauth user=broker\"\n"
                         "    password_file: registry.pass\n"
                         "    timeout_ms: 250\n"));
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const auto& source = *result.policy->certificates.registry;
    EXPECT_EQ(source.backend, registry::Backend::Postgresql);
    ASSERT_TRUE(source.password);
    EXPECT_EQ(source.password->reveal(), "s3cret");
    EXPECT_EQ(source.timeout.count(), 250);
    EXPECT_EQ(source.describe(), "postgresql host=127.0.0.1 port=5432 dbname=mqauth user=broker");
}

TEST_F(ConfigCertificates, BadRegistriesAreNamedWithTheirLine) {
    const auto found = errors(
        "device_certificates:\n"
        "  registry: {postgresql: \"host=db password=hunter2\"}\n");  // 4
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].find("auth.yaml:4:26: device_certificates.registry.postgresql: "
                            "InvalidParameter: holds a password"),
              std::string::npos)
        << found[0];
    EXPECT_EQ(found[0].find("hunter2"), std::string::npos);
    EXPECT_NE(errors("device_certificates:\n  registry: {postgresql: \"host='db\"}\n")[0].find(
                  "not a libpq connection string"),
              std::string::npos);
    EXPECT_EQ(errors("device_certificates:\n  registry: {sqlite: a.db, postgresql: x}\n")[0],
              "auth.yaml:4:13: device_certificates.registry: InvalidParameter: give only one of "
              "sqlite and postgresql");
    EXPECT_NE(errors("device_certificates:\n  registry: {sqlite: a.db, timeout_ms: 5}\n")[0].find(
                  "timeout_ms: InvalidParameter: only for postgresql"),
              std::string::npos);
    EXPECT_NE(errors("device_certificates:\n  registry: {postgresql: \"host=db\", timeout_ms: "
                     "5}\n")[0]
                  .find("must be 10 to 60000"),
              std::string::npos);
}

TEST_F(ConfigCertificates, TheYamlRegistryFileSaysHowToMoveToTheNewRegistry) {
    const auto found = errors("device_certificates:\n  registry_file: /var/lib/x.yaml\n");
    ASSERT_FALSE(found.empty());
    EXPECT_NE(found[0].find("auth.yaml:4:18: device_certificates.registry_file: InvalidParameter: "
                            "the YAML registry file was replaced by `registry: {sqlite: FILE}`"),
              std::string::npos)
        << found[0];
    EXPECT_NE(found[0].find("mqauth devices import"), std::string::npos);
}

TEST_F(ConfigCertificates, EveryBadCaEntryIsReportedWithItsLine) {
    const auto found =
        errors(std::string("ca_certificates:\n"
                           "  - ca_name: a\n    file: leaf.pem\n"                    // 4
                           "  - ca_name: b\n    file: missing.pem\n"                 // 6
                           "  - ca_name: c\n    file: two.pem\n"                     // 8
                           "  - ca_name: d\n    file: junk.pem\n"                    // 10
                           "  - ca_name: e\n    file: ca.pem\n    status: active\n"  // 12
                           "  - ca_name: f\n    file: ca.pem\n"                      // 15
                           "  - ca_name: f\n    file: other.pem\n"                   // 17
                           "  - ca_name: g\n    file: ca.pem\n") +                   // 19
               kRegistry);
    ASSERT_EQ(found.size(), 7u);
    EXPECT_EQ(found[0],
              "auth.yaml:5:11: ca_certificates[0].file: InvalidParameter: not a CA certificate "
              "(no CA:TRUE constraint)");
    EXPECT_EQ(found[1].rfind("auth.yaml:7:11: ca_certificates[1].file: InvalidParameter: cannot "
                             "read " +
                                 dir_ + "/missing.pem: No such file or directory",
                             0),
              0u)
        << found[1];
    EXPECT_EQ(found[2],
              "auth.yaml:9:11: ca_certificates[2].file: InvalidParameter: holds 2 certificates; "
              "list each CA as its own entry");
    EXPECT_EQ(found[3].rfind("auth.yaml:11:11: ca_certificates[3].file: InvalidParameter: ", 0), 0u)
        << found[3];
    EXPECT_EQ(found[4],
              "auth.yaml:14:13: ca_certificates[4].status: InvalidParameter: must be one of "
              "ACTIVE, INACTIVE, got \"active\"");
    EXPECT_EQ(found[5].rfind("auth.yaml:17:", 0), 0u) << found[5];  // ca_name f twice
    EXPECT_NE(found[5].find("ca_name \"f\" is listed twice"), std::string::npos);
    EXPECT_EQ(found[6].rfind("auth.yaml:19:", 0), 0u) << found[6];  // serial 7F00 again
    EXPECT_NE(found[6].find("serial 7F00 is already listed as \"f\""), std::string::npos);
}

TEST_F(ConfigCertificates, StatesNeedHexSerialsExactEnumsAndNoDuplicates) {
    const auto found = errors(
        "ca_certificates:\n  - ca_name: fleet-ca\n    file: ca.pem\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  bind_client_id_to_cn: yes\n"  // 8
        "  states:\n"
        "    - {device_sn: \"1A:2B\", ca_sn: 7F00, status: INACTIVE}\n"               // 10
        "    - {device_sn: 1a2b, ca_sn: 7F00, status: Revoked}\n"                     // 11
        "    - {device_sn: 1A2B, ca_sn: 7F00, status: REVOKED}\n"                     // 12
        "    - {device_sn: 01A2B, ca_sn: 7f00, status: ACTIVE}\n"                     // 13
        "    - {device_sn: 1A2B, status: ACTIVE}\n"                                   // 14
        "    - {device_sn: 1A2B, issuer: \"CN=x\", ca_sn: 7F00, status: ACTIVE}\n");  // 15
    ASSERT_EQ(found.size(), 6u);
    EXPECT_EQ(found[0],
              "auth.yaml:8:25: device_certificates.bind_client_id_to_cn: InvalidParameter: "
              "expected true or false, got \"yes\"");
    EXPECT_EQ(found[1].rfind("auth.yaml:10:19: device_certificates.states[0].device_sn: "
                             "InvalidParameter: a serial number in hex",
                             0),
              0u)
        << found[1];
    EXPECT_EQ(found[2].rfind("auth.yaml:11:", 0), 0u) << found[2];
    EXPECT_EQ(found[3],
              "auth.yaml:13:7: device_certificates.states[3]: InvalidParameter: device_sn 1A2B "
              "of ca_sn 7F00 already has a state above");
    EXPECT_EQ(found[4],
              "auth.yaml:14:7: device_certificates.states[4]: MissingParameter: issuer (or ca_sn) "
              "is required");
    EXPECT_EQ(found[5],
              "auth.yaml:15:7: device_certificates.states[5]: InvalidParameter: give only one of "
              "issuer and ca_sn");
}
