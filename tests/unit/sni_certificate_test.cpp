// SPDX-License-Identifier: Apache-2.0
// Loading a certificate, its chain and its key: what load_server_certificate checks.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "sni/server_certificate.h"
#include "test_pki.h"

using namespace mqauth::sni;
using namespace mqauth::test_pki;

namespace {

class SniCertificate : public ::testing::Test {
   protected:
    static void SetUpTestSuite() {
        authority = new TestCertificate(make_ca("Test CA", 1));
        leaf = new TestCertificate(make_leaf("mqtt.example.com", 2, *authority));
        other = new TestCertificate(make_leaf("other.example.com", 3, *authority));
    }
    static void TearDownTestSuite() {
        delete authority;
        delete leaf;
        delete other;
    }

    // `certificates` as one PEM file in this test's directory; returns its path.
    std::string write_certificates(
        const std::string& file, std::initializer_list<const TestCertificate*> certificates) const {
        std::string pem;
        for (const TestCertificate* certificate : certificates) {
            pem += to_pem(certificate->certificate.get());
        }
        return write(file, pem);
    }

    std::string write_key(const std::string& file, const TestCertificate& owner,
                          const std::string& password = "") const {
        return write(file, private_key_pem(owner.key.get(), password));
    }

    std::string write(const std::string& file, const std::string& text) const {
        const std::string path = dir_ + "/" + file;
        write_text_file(path, text);
        return path;
    }

    static TestCertificate* authority;
    static TestCertificate* leaf;
    static TestCertificate* other;
    const std::string dir_ = make_temp_dir();
};

TestCertificate* SniCertificate::authority = nullptr;
TestCertificate* SniCertificate::leaf = nullptr;
TestCertificate* SniCertificate::other = nullptr;

}  // namespace

TEST_F(SniCertificate, TheFirstCertificateIsTheLeafAndTheRestItsChain) {
    const auto cert = write_certificates("leaf.crt", {leaf, authority});
    const auto key = write_key("leaf.key", *leaf);
    CertificateLoad load = load_server_certificate("main", cert, key, "");
    ASSERT_TRUE(load.certificate) << load.error;
    EXPECT_EQ(load.certificate->id, "main");
    EXPECT_EQ(common_name(load.certificate->leaf.get()), "mqtt.example.com");
    ASSERT_EQ(sk_X509_num(load.certificate->chain.get()), 1);
    EXPECT_EQ(common_name(sk_X509_value(load.certificate->chain.get(), 0)), "Test CA");
}

TEST_F(SniCertificate, ALeafAloneHasAnEmptyChainNotNone) {
    CertificateLoad load = load_server_certificate("main", write_certificates("leaf.crt", {leaf}),
                                                   write_key("leaf.key", *leaf), "");
    ASSERT_TRUE(load.certificate) << load.error;
    ASSERT_NE(load.certificate->chain, nullptr);
    EXPECT_EQ(sk_X509_num(load.certificate->chain.get()), 0);
}

TEST_F(SniCertificate, AnEncryptedKeyOpensWithItsPasswordOnly) {
    const auto cert = write_certificates("leaf.crt", {leaf});
    const auto key = write_key("leaf.key", *leaf, "s3cret");
    EXPECT_TRUE(load_server_certificate("main", cert, key, "s3cret").certificate);

    const CertificateLoad none = load_server_certificate("main", cert, key, "");
    EXPECT_FALSE(none.certificate);
    EXPECT_EQ(none.culprit, CertificateLoad::Culprit::KeyFile);
    EXPECT_NE(none.error.find("is it encrypted? set key_password"), std::string::npos)
        << none.error;

    const CertificateLoad wrong = load_server_certificate("main", cert, key, "wrong-pass");
    EXPECT_FALSE(wrong.certificate);
    EXPECT_NE(wrong.error.find("is key_password right?"), std::string::npos) << wrong.error;
    EXPECT_EQ(wrong.error.find("wrong-pass"), std::string::npos);
}

TEST_F(SniCertificate, TheKeyMustBeTheLeafsKey) {
    const auto cert = write_certificates("leaf.crt", {leaf});
    const auto key = write_key("other.key", *other);
    const CertificateLoad load = load_server_certificate("main", cert, key, "");
    EXPECT_FALSE(load.certificate);
    EXPECT_EQ(load.culprit, CertificateLoad::Culprit::KeyFile);
    EXPECT_EQ(load.error,
              key + " does not hold the private key of the first certificate in " + cert);
}

TEST_F(SniCertificate, UnreadableOrNonPemCertificateFilesAreTheCertFilesFault) {
    const auto key = write_key("leaf.key", *leaf);
    const std::string absent = dir_ + "/missing.crt";
    const CertificateLoad missing = load_server_certificate("main", absent, key, "");
    EXPECT_EQ(missing.culprit, CertificateLoad::Culprit::CertFile);
    EXPECT_EQ(missing.error, "cannot read " + absent + ": No such file or directory");
    const auto text = write("text.crt", "not a certificate\n");
    const CertificateLoad garbage = load_server_certificate("main", text, key, "");
    EXPECT_EQ(garbage.culprit, CertificateLoad::Culprit::CertFile);
    EXPECT_EQ(garbage.error, text + ": holds no PEM certificate");
}

TEST_F(SniCertificate, ValidityIsReportedForAWarning) {
    auto load = [&](const TestCertificate& certificate, const std::string& name) {
        return load_server_certificate(name, write_certificates(name + ".crt", {&certificate}),
                                       write_key(name + ".key", certificate), "");
    };
    const TestCertificate expired = make_leaf("old", 4, *authority, {-30 * kDay, -kDay});
    const TestCertificate future = make_leaf("new", 5, *authority, {2 * kDay, 30 * kDay});
    const CertificateLoad old_load = load(expired, "old");
    const CertificateLoad new_load = load(future, "new");
    const CertificateLoad good_load = load(*leaf, "good");
    ASSERT_TRUE(old_load.certificate && new_load.certificate && good_load.certificate);
    EXPECT_EQ(validity_problem(*old_load.certificate).value_or("").rfind("expired on ", 0), 0u);
    EXPECT_EQ(validity_problem(*new_load.certificate).value_or("").rfind("not valid before ", 0),
              0u);
    EXPECT_FALSE(validity_problem(*good_load.certificate));
}
