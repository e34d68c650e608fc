#include <gtest/gtest.h>

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
    EXPECT_EQ(verification.device->key.device_sn, "1A2B");
    EXPECT_EQ(verification.device->key.ca_sn, "7F00");
    EXPECT_EQ(verification.device->ca_name, "fleet-ca");
    EXPECT_EQ(verification.device->facts.common_name, "dev1");
    EXPECT_EQ(verification.device->facts.not_after.size(), 20u);  // 2026-11-23T10:00:00Z
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
    EXPECT_EQ(verification.device->key.ca_sn, "33");
}

TEST_F(DeviceVerification, TheOperatorsStateWinsOverTheRegistrysAndActiveIsTheDefault) {
    list(root_, "fleet-ca");
    const DeviceKey key{"1A2B", "7F00"};
    EXPECT_EQ(standing_of(key, policy_, std::nullopt), CertificateProblem::None);
    EXPECT_EQ(standing_of(key, policy_, DeviceStatus::Revoked), CertificateProblem::DeviceRevoked);
    policy_.states.decide(key, DeviceStatus::Active);
    EXPECT_EQ(standing_of(key, policy_, DeviceStatus::Revoked), CertificateProblem::None);
    CertificatePolicy inactive;
    inactive.states.decide(key, DeviceStatus::Inactive);
    EXPECT_EQ(inactive.states.effective(key, DeviceStatus::Active), DeviceStatus::Inactive);
}

TEST_F(DeviceVerification, ARefusedDeviceIsRefusedAtTheHandshakeToo) {
    list(root_, "fleet-ca");
    policy_.states.decide({"1A2B", "7F00"}, DeviceStatus::Revoked);
    const TestCertificate device = make_leaf("dev1", 0x1A2B, root_);
    const Verification verification = verify_certificate(device.certificate.get(), policy_);
    EXPECT_EQ(verification.problem, CertificateProblem::DeviceRevoked);
}

TEST_F(DeviceVerification, ACaReplacedUnderTheSameNameNoLongerVouchesForItsDevices) {
    list(other_root_, "fleet-ca");  // same name, another certificate and serial
    EXPECT_EQ(standing_of({"1A2B", "7F00"}, policy_, std::nullopt), CertificateProblem::UnknownCa);
}

TEST_F(DeviceVerification, ACaIsKnownByItsSerialSoRenamingItKeepsItsDevices) {
    list(root_, "renamed-fleet-ca");
    EXPECT_EQ(standing_of({"1A2B", "7F00"}, policy_, std::nullopt), CertificateProblem::None);
}
