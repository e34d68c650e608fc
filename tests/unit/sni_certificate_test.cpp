// Loading a certificate, its chain and its key: what load_server_certificate checks.
#include <gtest/gtest.h>

#include "sni/server_certificate.h"
#include "test_certificates.h"

using namespace mqauth::sni;
using mqauth::testing::CertificateFiles;
using mqauth::testing::common_name;
using mqauth::testing::KeyPair;

namespace {

class SniCertificate : public ::testing::Test {
   protected:
    static void SetUpTestSuite() {
        authority = new KeyPair(CertificateFiles::make("Test CA", nullptr, true));
        leaf = new KeyPair(CertificateFiles::make("mqtt.example.com", authority));
        other = new KeyPair(CertificateFiles::make("other.example.com", authority));
    }
    static void TearDownTestSuite() {
        delete authority;
        delete leaf;
        delete other;
    }

    static KeyPair* authority;
    static KeyPair* leaf;
    static KeyPair* other;
    CertificateFiles files;
};

KeyPair* SniCertificate::authority = nullptr;
KeyPair* SniCertificate::leaf = nullptr;
KeyPair* SniCertificate::other = nullptr;

}  // namespace

TEST_F(SniCertificate, TheFirstCertificateIsTheLeafAndTheRestItsChain) {
    const auto cert = files.write_certificates("leaf.crt", {leaf, authority});
    const auto key = files.write_key("leaf.key", *leaf);
    CertificateLoad load = load_server_certificate("main", cert, key, "");
    ASSERT_TRUE(load.certificate) << load.error;
    EXPECT_EQ(load.certificate->id, "main");
    EXPECT_EQ(common_name(load.certificate->leaf.get()), "mqtt.example.com");
    ASSERT_EQ(sk_X509_num(load.certificate->chain.get()), 1);
    EXPECT_EQ(common_name(sk_X509_value(load.certificate->chain.get(), 0)), "Test CA");
}

TEST_F(SniCertificate, ALeafAloneHasAnEmptyChainNotNone) {
    CertificateLoad load =
        load_server_certificate("main", files.write_certificates("leaf.crt", {leaf}),
                                files.write_key("leaf.key", *leaf), "");
    ASSERT_TRUE(load.certificate) << load.error;
    ASSERT_NE(load.certificate->chain, nullptr);
    EXPECT_EQ(sk_X509_num(load.certificate->chain.get()), 0);
}

TEST_F(SniCertificate, AnEncryptedKeyOpensWithItsPasswordOnly) {
    const auto cert = files.write_certificates("leaf.crt", {leaf});
    const auto key = files.write_key("leaf.key", *leaf, "s3cret");
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
    const auto cert = files.write_certificates("leaf.crt", {leaf});
    const auto key = files.write_key("other.key", *other);
    const CertificateLoad load = load_server_certificate("main", cert, key, "");
    EXPECT_FALSE(load.certificate);
    EXPECT_EQ(load.culprit, CertificateLoad::Culprit::KeyFile);
    EXPECT_EQ(load.error,
              key + " does not hold the private key of the first certificate in " + cert);
}

TEST_F(SniCertificate, UnreadableOrNonPemCertificateFilesAreTheCertFilesFault) {
    const auto key = files.write_key("leaf.key", *leaf);
    const CertificateLoad missing =
        load_server_certificate("main", files.path("missing.crt"), key, "");
    EXPECT_EQ(missing.culprit, CertificateLoad::Culprit::CertFile);
    EXPECT_EQ(missing.error,
              "cannot read " + files.path("missing.crt") + ": No such file or directory");
    const auto text = files.write_text("text.crt", "not a certificate\n");
    const CertificateLoad garbage = load_server_certificate("main", text, key, "");
    EXPECT_EQ(garbage.culprit, CertificateLoad::Culprit::CertFile);
    EXPECT_EQ(garbage.error, text + ": holds no PEM certificate");
}

TEST_F(SniCertificate, ValidityIsReportedForAWarning) {
    auto load = [&](const KeyPair& pair, const std::string& name) {
        return load_server_certificate(name, files.write_certificates(name + ".crt", {&pair}),
                                       files.write_key(name + ".key", pair), "");
    };
    const KeyPair expired = CertificateFiles::make("old", authority, false, -30, -1);
    const KeyPair future = CertificateFiles::make("new", authority, false, 2, 30);
    const CertificateLoad old_load = load(expired, "old");
    const CertificateLoad new_load = load(future, "new");
    const CertificateLoad good_load = load(*leaf, "good");
    ASSERT_TRUE(old_load.certificate && new_load.certificate && good_load.certificate);
    EXPECT_EQ(validity_problem(*old_load.certificate).value_or("").rfind("expired on ", 0), 0u);
    EXPECT_EQ(validity_problem(*new_load.certificate).value_or("").rfind("not valid before ", 0),
              0u);
    EXPECT_FALSE(validity_problem(*good_load.certificate));
}
