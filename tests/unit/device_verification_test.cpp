// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "certs/certificate_facts.h"
#include "certs/device_verification.h"
#include "certs/serial_number.h"
#include "test_pki.h"

using namespace mqauth::certs;
using mqauth::test_pki::make_ca;
using mqauth::test_pki::make_leaf;
using mqauth::test_pki::TestCertificate;

namespace {

class DeviceVerification : public ::testing::Test {
   protected:
    void list(const TestCertificate& ca, const std::string& name,
              CaStatus status = CaStatus::Active) {
        CertificateAuthority authority;
        authority.name = name;
        authority.serial = serial_of(ca.certificate.get());
        authority.status = status;
        authority.certificate = mqauth::crypto::share(ca.certificate.get());
        policy_.authorities.add(std::move(authority));
    }

    static std::string subject_of(const TestCertificate& ca) {
        return rfc2253_name(X509_get_subject_name(ca.certificate.get()));
    }
    // A device of root_ by its serial, as the registry and the handshake name it.
    DeviceIdentity device_of_root(const std::string& serial) const {
        return {{serial, subject_of(root_)}, "7F00"};
    }

    TestCertificate root_ = make_ca("fleet-root", 0x7F00);
    TestCertificate other_root_ = make_ca("other-root", 0x7F01);
    CertificatePolicy policy_;
};

}  // namespace

TEST_F(DeviceVerification, ACertificateFromAListedCaVerifiesWithItsFacts) {
    list(root_, "fleet-ca");
    const TestCertificate device = make_leaf("dev1", 0x1A2B, root_);
    const Verification verification = verify_certificate(device.certificate.get(), policy_);
    ASSERT_EQ(verification.problem, CertificateProblem::None) << verification.detail;
    ASSERT_TRUE(verification.device);
    EXPECT_EQ(verification.device->identity.key.device_sn, "1A2B");
    EXPECT_EQ(verification.device->identity.key.issuer, "CN=fleet-root");
    EXPECT_EQ(verification.device->identity.ca_sn, "7F00");
    EXPECT_EQ(verification.device->ca_name, "fleet-ca");
    EXPECT_EQ(verification.device->facts.common_name, "dev1");
    EXPECT_EQ(verification.device->facts.not_after.size(), 20u);    // 2026-11-23T10:00:00Z
    EXPECT_EQ(verification.device->facts.fingerprint.size(), 64u);  // SHA-256, hex
}

TEST_F(DeviceVerification, AnUnlistedCaIsRefused) {
    list(root_, "fleet-ca");
    const TestCertificate device = make_leaf("rogue", 1, other_root_);
    const Verification verification = verify_certificate(device.certificate.get(), policy_);
    EXPECT_EQ(verification.problem, CertificateProblem::UnknownCa);
    EXPECT_FALSE(verification.device);
}

TEST_F(DeviceVerification, AnInactiveCaIsRefusedAsInactiveNotUnknown) {
    list(root_, "fleet-ca", CaStatus::Inactive);
    const TestCertificate device = make_leaf("dev1", 1, root_);
    EXPECT_EQ(verify_certificate(device.certificate.get(), policy_).problem,
              CertificateProblem::CaInactive);
}

TEST_F(DeviceVerification, ExpiredAndNotYetValidCertificatesAreRefused) {
    list(root_, "fleet-ca");
    const TestCertificate expired = make_leaf("old", 1, root_, {-7200, -3600});
    const TestCertificate early = make_leaf("new", 2, root_, {3600, 7200});
    EXPECT_EQ(verify_certificate(expired.certificate.get(), policy_).problem,
              CertificateProblem::Expired);
    EXPECT_EQ(verify_certificate(early.certificate.get(), policy_).problem,
              CertificateProblem::NotYetValid);
}

TEST_F(DeviceVerification, ASelfSignedDeviceCertificateIsRefused) {
    list(root_, "fleet-ca");
    EXPECT_EQ(verify_certificate(other_root_.certificate.get(), policy_).problem,
              CertificateProblem::UnknownCa);
}

TEST_F(DeviceVerification, AListedIntermediateIsATrustAnchorByItself) {
    const TestCertificate intermediate = make_ca("fleet-issuing", 0x33, &root_);
    list(intermediate, "issuing-ca");  // its root is not listed
    const TestCertificate device = make_leaf("dev1", 0x44, intermediate);
    const Verification verification = verify_certificate(device.certificate.get(), policy_);
    ASSERT_EQ(verification.problem, CertificateProblem::None) << verification.detail;
    EXPECT_EQ(verification.device->identity.ca_sn, "33");
    EXPECT_EQ(verification.device->identity.key.issuer, "CN=fleet-issuing");
}

TEST_F(DeviceVerification, OneSerialFromTwoIntermediatesNamesTwoDevices) {
    list(root_, "fleet-ca");
    const TestCertificate east = make_ca("issuing-east", 0x31, &root_);
    const TestCertificate west = make_ca("issuing-west", 0x32, &root_);
    const TestCertificate east_device = make_leaf("dev-east", 0x99, east);
    const TestCertificate west_device = make_leaf("dev-west", 0x99, west);
    // verify_certificate sends no intermediates: list them, as the listener's peers would chain.
    list(east, "east");
    list(west, "west");
    const Verification a = verify_certificate(east_device.certificate.get(), policy_);
    const Verification b = verify_certificate(west_device.certificate.get(), policy_);
    ASSERT_TRUE(a.device && b.device);
    EXPECT_EQ(a.device->identity.key.device_sn, b.device->identity.key.device_sn);
    EXPECT_FALSE(a.device->identity.key == b.device->identity.key);
    EXPECT_NE(a.device->facts.fingerprint, b.device->facts.fingerprint);
    // Revoking one by its issuer leaves the other alone.
    policy_.states.decide({"99", "CN=issuing-east", ""}, DeviceStatus::Revoked);
    EXPECT_EQ(verify_certificate(east_device.certificate.get(), policy_).problem,
              CertificateProblem::DeviceRevoked);
    EXPECT_EQ(verify_certificate(west_device.certificate.get(), policy_).problem,
              CertificateProblem::None);
}

TEST_F(DeviceVerification, TheOperatorsStateWinsOverTheRegistrysAndActiveIsTheDefault) {
    list(root_, "fleet-ca");
    const DeviceIdentity device = device_of_root("1A2B");
    EXPECT_EQ(standing_of(device, policy_, std::nullopt), CertificateProblem::None);
    EXPECT_EQ(standing_of(device, policy_, DeviceStatus::Revoked),
              CertificateProblem::DeviceRevoked);
    policy_.states.decide({"1A2B", "", "7F00"}, DeviceStatus::Active);
    EXPECT_EQ(standing_of(device, policy_, DeviceStatus::Revoked), CertificateProblem::None);
    CertificatePolicy inactive;
    inactive.states.decide({"1A2B", "", "7F00"}, DeviceStatus::Inactive);
    EXPECT_EQ(inactive.states.effective(device, DeviceStatus::Active), DeviceStatus::Inactive);
}

TEST_F(DeviceVerification, AStateByIssuerWinsOverOneByCaSerial) {
    list(root_, "fleet-ca");
    const DeviceIdentity device = device_of_root("1A2B");
    policy_.states.decide({"1A2B", "", "7F00"}, DeviceStatus::Revoked);
    policy_.states.decide({"1A2B", "CN=fleet-root", ""}, DeviceStatus::Active);
    EXPECT_EQ(standing_of(device, policy_, std::nullopt), CertificateProblem::None);
    EXPECT_EQ(policy_.states.decision_for(device), DeviceStatus::Active);
}

TEST_F(DeviceVerification, ARefusedDeviceIsRefusedAtTheHandshakeToo) {
    list(root_, "fleet-ca");
    policy_.states.decide({"1A2B", "", "7F00"}, DeviceStatus::Revoked);
    const TestCertificate device = make_leaf("dev1", 0x1A2B, root_);
    const Verification verification = verify_certificate(device.certificate.get(), policy_);
    EXPECT_EQ(verification.problem, CertificateProblem::DeviceRevoked);
}

TEST_F(DeviceVerification, ACaReplacedUnderTheSameNameNoLongerVouchesForItsDevices) {
    list(other_root_, "fleet-ca");  // same name, another certificate and serial
    EXPECT_EQ(standing_of(device_of_root("1A2B"), policy_, std::nullopt),
              CertificateProblem::UnknownCa);
}

TEST_F(DeviceVerification, ACaIsKnownByItsSerialSoRenamingItKeepsItsDevices) {
    list(root_, "renamed-fleet-ca");
    EXPECT_EQ(standing_of(device_of_root("1A2B"), policy_, std::nullopt), CertificateProblem::None);
}
