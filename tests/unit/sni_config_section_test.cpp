// SPDX-License-Identifier: Apache-2.0
// The `sni:` section of auth.yaml: what loads, and every error with its FILE:LINE:COL.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "engine/engine.h"
#include "metric_values.h"
#include "test_pki.h"

using namespace mqauth;
using namespace mqauth::config;
using namespace mqauth::test_pki;

namespace {

constexpr const char* kLockedPassword = "l0cked#pw";

// Two certificates (a, b), one with an encrypted key (locked) and an expired one (old), in the
// config's directory: the YAML names them by relative paths.
class SniConfigSection : public ::testing::Test {
   protected:
    static void SetUpTestSuite() {
        const TestCertificate authority = make_ca("Test CA", 1);
        const TestCertificate a = make_leaf("a.example.com", 2, authority);
        const TestCertificate b = make_leaf("b.example.com", 3, authority);
        const TestCertificate locked = make_leaf("locked.example.com", 4, authority);
        const TestCertificate old =
            make_leaf("old.example.com", 5, authority, {-9 * kDay, -2 * kDay});
        dir = make_temp_dir();
        write_text_file(path("a.crt"),
                        to_pem(a.certificate.get()) + to_pem(authority.certificate.get()));
        write_text_file(path("a.key"), private_key_pem(a.key.get()));
        write_text_file(path("b.crt"), to_pem(b.certificate.get()));
        write_text_file(path("b.key"), private_key_pem(b.key.get()));
        write_text_file(path("locked.crt"), to_pem(locked.certificate.get()));
        write_text_file(path("locked.key"), private_key_pem(locked.key.get(), kLockedPassword));
        write_text_file(path("old.crt"), to_pem(old.certificate.get()));
        write_text_file(path("old.key"), private_key_pem(old.key.get()));
    }

    static std::string path(const std::string& file) { return dir + "/" + file; }

    static LoadResult load(const std::string& sni_section) {
        return load_text("version: 1\npermissions: {}\n" + sni_section, "auth.yaml", dir);
    }

    static std::vector<std::string> errors(const std::string& sni_section) {
        return load(sni_section).formatted_errors();
    }

    // The one error a section produces; all of them when there are several.
    static std::string only_error(const std::string& sni_section) {
        const auto all = errors(sni_section);
        EXPECT_EQ(all.size(), 1u);
        std::string joined;
        for (const auto& line : all) joined += (joined.empty() ? "" : "\n") + line;
        return joined;
    }

    static std::string dir;
};

std::string SniConfigSection::dir;

// Lines 3-10 of every test's file.
const std::string kTwoCertificates = R"(sni:
  certificates:
    - certificate_id: a
      cert_file: a.crt
      key_file: a.key
    - certificate_id: b
      cert_file: b.crt
      key_file: b.key
)";

}  // namespace

TEST_F(SniConfigSection, LoadsCertificatesDomainsAndTheDefault) {
    const LoadResult result = load(kTwoCertificates + R"(  default_certificate: a
  domains:
    - domain: "*.B.example.com"
      certificate_id: b
    - domain: a.example.com
      certificate_id: a
)");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    EXPECT_TRUE(result.warnings.empty());
    ASSERT_TRUE(result.policy->sni);
    const sni::CertificateSet& set = *result.policy->sni;
    EXPECT_EQ(set.certificate_count(), 2u);
    EXPECT_EQ(set.domain_count(), 2u);
    EXPECT_EQ(set.select("x.b.example.com")->id, "b");
    const sni::ServerCertificate* fallback = set.select(std::nullopt);
    ASSERT_NE(fallback, nullptr);
    EXPECT_EQ(fallback->id, "a");
    EXPECT_EQ(common_name(fallback->leaf.get()), "a.example.com");
    EXPECT_EQ(sk_X509_num(fallback->chain.get()), 1);  // the CA after the leaf in a.crt
    // What the metrics say of the policy in force.
    const engine::Engine engine(result.policy);
    EXPECT_EQ(metric_values::value(engine, "mqauth_policy_entries", {"sni_certificates"}), 2);
}

TEST_F(SniConfigSection, WithoutTheSectionListenersKeepTheirOwnCertificate) {
    const LoadResult result = load_text("version: 1\npermissions: {}\n", "auth.yaml", ".");
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result.policy->sni);
}

TEST_F(SniConfigSection, AbsolutePathsAreTakenAsTheyAre) {
    const LoadResult result = load_text(
        "version: 1\npermissions: {}\nsni:\n  certificates:\n"
        "    - certificate_id: a\n      cert_file: " +
            path("a.crt") + "\n      key_file: " + path("a.key") + "\n  default_certificate: a\n",
        "auth.yaml", "/nonexistent");
    EXPECT_TRUE(result.ok()) << result.formatted_errors().front();
}

TEST_F(SniConfigSection, TheDefaultCertificateIsRequiredAndMustExist) {
    EXPECT_EQ(only_error(kTwoCertificates),
              "auth.yaml:4:3: sni.default_certificate: MissingParameter: default_certificate is "
              "required");
    EXPECT_EQ(only_error(kTwoCertificates + "  default_certificate: c\n"),
              "auth.yaml:11:24: sni.default_certificate: InvalidParameter: no certificate has "
              "certificate_id \"c\"");
}

TEST_F(SniConfigSection, CertificatesAreRequiredAndNotEmpty) {
    EXPECT_EQ(only_error("sni:\n  default_certificate: a\n"),
              "auth.yaml:4:3: sni.certificates: MissingParameter: certificates is required");
    EXPECT_EQ(errors("sni:\n  certificates: []\n  default_certificate: a\n").at(0),
              "auth.yaml:4:17: sni.certificates: MissingParameter: at least one certificate is "
              "required");
}

TEST_F(SniConfigSection, ADomainNamingAnUnknownCertificateIsAnError) {
    EXPECT_EQ(only_error(kTwoCertificates + R"(  default_certificate: a
  domains:
    - domain: c.example.com
      certificate_id: c
)"),
              "auth.yaml:14:23: sni.domains[0].certificate_id: InvalidParameter: no certificate "
              "has certificate_id \"c\"");
}

TEST_F(SniConfigSection, DuplicateCertificateIdsAreErrors) {
    EXPECT_EQ(only_error(kTwoCertificates + R"(    - certificate_id: a
      cert_file: b.crt
      key_file: b.key
  default_certificate: a
)"),
              "auth.yaml:11:23: sni.certificates[2].certificate_id: InvalidParameter: duplicate "
              "certificate_id: \"a\" is already defined at line 5");
}

TEST_F(SniConfigSection, DuplicateDomainsAreErrorsWhateverTheirCase) {
    EXPECT_EQ(only_error(kTwoCertificates + R"(  default_certificate: a
  domains:
    - domain: "*.example.com"
      certificate_id: a
    - domain: "*.Example.COM"
      certificate_id: b
)"),
              "auth.yaml:15:15: sni.domains[1].domain: InvalidParameter: duplicate domain: "
              "\"*.example.com\" is already mapped at line 13");
}

TEST_F(SniConfigSection, InvalidDomainSyntaxIsNamed) {
    EXPECT_EQ(only_error(kTwoCertificates + R"(  default_certificate: a
  domains:
    - domain: "mqtt.*.example.com"
      certificate_id: a
)"),
              "auth.yaml:13:15: sni.domains[0].domain: InvalidParameter: \"mqtt.*.example.com\" "
              "has a character other than letters, digits, '-', '_' and '.' ('*' only as the "
              "whole first label: \"*.\")");
}

TEST_F(SniConfigSection, CertificateIdsAreShortPlainNames) {
    EXPECT_EQ(only_error(R"(sni:
  certificates:
    - certificate_id: "a#b"
      cert_file: a.crt
      key_file: a.key
  default_certificate: "a#b"
)"),
              "auth.yaml:5:23: sni.certificates[0].certificate_id: InvalidParameter: must be 1 to "
              "64 letters, digits, '.', '_' or '-'");
}

TEST_F(SniConfigSection, UnknownKeysAreErrors) {
    const auto all = errors(R"(sni:
  certificates:
    - certificate_id: a
      cert_file: a.crt
      key_file: a.key
      keyfile: a.key
  default_certificate: a
  default: a
)");
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0],
              "auth.yaml:8:7: sni.certificates[0].keyfile: InvalidParameter: unknown key "
              "\"keyfile\"");
    EXPECT_EQ(all[1], "auth.yaml:10:3: sni.default: InvalidParameter: unknown key \"default\"");
}

TEST_F(SniConfigSection, AnUnreadableCertificateFileIsNamedWithItsLine) {
    EXPECT_EQ(only_error(R"(sni:
  certificates:
    - certificate_id: a
      cert_file: missing.crt
      key_file: a.key
  default_certificate: a
)"),
              "auth.yaml:6:18: sni.certificates[0].cert_file: InvalidParameter: cannot read " +
                  path("missing.crt") + ": No such file or directory");
}

TEST_F(SniConfigSection, AKeyThatIsNotTheCertificatesIsRefused) {
    EXPECT_EQ(only_error(R"(sni:
  certificates:
    - certificate_id: a
      cert_file: a.crt
      key_file: b.key
  default_certificate: a
)"),
              "auth.yaml:7:17: sni.certificates[0].key_file: InvalidParameter: " + path("b.key") +
                  " does not hold the private key of the first certificate in " + path("a.crt"));
}

TEST_F(SniConfigSection, AnEncryptedKeyNeedsTheRightPassword) {
    const std::string section = R"(sni:
  certificates:
    - certificate_id: locked
      cert_file: locked.crt
      key_file: locked.key
)";
    EXPECT_TRUE(load(section + "      key_password: \"" + kLockedPassword +
                     "\"\n  default_certificate: locked\n")
                    .ok());
    const std::string missing = only_error(section + "  default_certificate: locked\n");
    EXPECT_EQ(missing.rfind("auth.yaml:7:17: sni.certificates[0].key_file: InvalidParameter: " +
                                path("locked.key") + ": cannot load the private key (",
                            0),
              0u)
        << missing;
    EXPECT_NE(missing.find("is it encrypted? set key_password)"), std::string::npos) << missing;
    const std::string wrong =
        only_error(section + "      key_password: \"wrong-pass\"\n  default_certificate: locked\n");
    EXPECT_EQ(wrong.rfind("auth.yaml:7:17: sni.certificates[0].key_file: ", 0), 0u) << wrong;
    EXPECT_NE(wrong.find("is key_password right?"), std::string::npos) << wrong;
    EXPECT_EQ(wrong.find("wrong-pass"), std::string::npos);
}

TEST_F(SniConfigSection, AnExpiredCertificateLoadsWithAWarning) {
    const LoadResult result = load(R"(sni:
  certificates:
    - certificate_id: old
      cert_file: old.crt
      key_file: old.key
  default_certificate: old
)");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const auto warnings = result.formatted_warnings();
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].rfind("auth.yaml:6:18: sni.certificates[0].cert_file: certificate "
                                "\"old\" expired on ",
                                0),
              0u)
        << warnings[0];
}

TEST_F(SniConfigSection, DomainsAndSniConfigAreAlternatives) {
    EXPECT_EQ(only_error(kTwoCertificates + R"(  default_certificate: a
  domains: []
  sni_config: "b.example.com#b"
)"),
              "auth.yaml:4:3: sni: InvalidParameter: give either domains or sni_config (the same "
              "map as one string), not both");
}

TEST_F(SniConfigSection, TheStringFormMapsDomains) {
    const LoadResult result = load(kTwoCertificates + R"(  default_certificate: a
  sni_config: "*.b.example.com#b;a.example.com#a"
)");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    EXPECT_EQ(result.policy->sni->select("x.b.example.com")->id, "b");
    EXPECT_EQ(result.policy->sni->select("a.example.com")->id, "a");
    EXPECT_EQ(result.policy->sni->domain_count(), 2u);
}

TEST_F(SniConfigSection, StringFormErrorsNameTheirEntry) {
    const std::string head = kTwoCertificates + "  default_certificate: a\n  sni_config: ";
    EXPECT_EQ(only_error(head + "\"a.example.com#a;;\"\n"),
              "auth.yaml:12:15: sni.sni_config: InvalidParameter: entry 2 is empty (two ';' in a "
              "row, or a ';' at the start or end)");
    EXPECT_EQ(only_error(head + "\"a.example.com#a;c.example.com#c\"\n"),
              "auth.yaml:12:15: sni.sni_config: InvalidParameter: entry 2: no certificate has "
              "certificate_id \"c\"");
    EXPECT_EQ(only_error(head + "\"a.example.com#a;a..example.com#b\"\n"),
              "auth.yaml:12:15: sni.sni_config: InvalidParameter: entry 2: \"a..example.com\" has "
              "an empty label (two dots in a row, or a leading dot)");
    EXPECT_EQ(only_error(head + "\"x.example.com#a;X.Example.com#b\"\n"),
              "auth.yaml:12:15: sni.sni_config: InvalidParameter: entry 2: duplicate domain: "
              "\"x.example.com\" is already mapped at sni_config entry 1");
}

TEST_F(SniConfigSection, TheStringFormsPasswordIsTheCertificatesKeyPassword) {
    const std::string certificates = R"(sni:
  certificates:
    - certificate_id: locked
      cert_file: locked.crt
      key_file: locked.key
)";
    const std::string pw = kLockedPassword;
    const LoadResult opened =
        load(certificates + "  default_certificate: locked\n  sni_config: \"l.example#locked#" +
             pw + ";m.example#locked\"\n");
    ASSERT_TRUE(opened.ok()) << opened.formatted_errors().front();
    EXPECT_EQ(opened.policy->sni->select("m.example")->id, "locked");

    const std::string wrong = only_error(
        certificates + "  default_certificate: locked\n  sni_config: \"l.example#locked#bad\"\n");
    EXPECT_EQ(wrong.rfind("auth.yaml:7:17: sni.certificates[0].key_file: InvalidParameter: ", 0),
              0u)
        << wrong;
    EXPECT_NE(wrong.find("(its password is the one in sni_config entry 1)"), std::string::npos)
        << wrong;
}

TEST_F(SniConfigSection, PasswordsOfOneCertificateMustAgree) {
    const std::string pw = kLockedPassword;
    const std::string certificates = R"(sni:
  certificates:
    - certificate_id: locked
      cert_file: locked.crt
      key_file: locked.key
)";
    EXPECT_EQ(only_error(certificates +
                         "  default_certificate: locked\n  sni_config: "
                         "\"l.example#locked#" +
                         pw + ";m.example#locked#other\"\n"),
              "auth.yaml:9:15: sni.sni_config: InvalidParameter: entry 2: the password for "
              "\"locked\" differs from the one in sni_config entry 1");
    const std::vector<std::string> both =
        errors(certificates + "      key_password: \"" + pw +
               "\"\n  default_certificate: locked\n  sni_config: \"l.example#locked#other\"\n");
    ASSERT_EQ(both.size(), 1u);
    EXPECT_EQ(both[0],
              "auth.yaml:10:15: sni.sni_config: InvalidParameter: entry 1: the password for "
              "\"locked\" differs from its key_password");
    EXPECT_EQ(both[0].find("other"), std::string::npos);
}
