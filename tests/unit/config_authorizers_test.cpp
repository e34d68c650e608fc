// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "crypto/pem.h"
#include "test_pki.h"
#include "test_rsa.h"

using namespace mqauth;
using namespace mqauth::config;
using authorizers::AuthorizerStatus;

namespace {

// A directory with pub.pem (RSA 2048), small.pem (RSA 1024), priv.pem (a private key).
class ConfigAuthorizers : public ::testing::Test {
   protected:
    void SetUp() override {
        dir_ = test_pki::make_temp_dir();
        test_pki::write_text_file(dir_ + "/pub.pem", test_rsa::public_pem(test_rsa::key(0)));
        test_pki::write_text_file(dir_ + "/small.pem",
                                  test_rsa::public_pem(test_rsa::key(0, 1024)));
        test_pki::write_text_file(dir_ + "/priv.pem", test_rsa::private_pem(test_rsa::key(0)));
    }

    LoadResult load(const std::string& authorizers) {
        return load_text("version: 1\npermissions: {}\nauthorizers:\n" + authorizers, "auth.yaml",
                         dir_);
    }

    std::vector<std::string> errors(const std::string& authorizers) {
        return load(authorizers).formatted_errors();
    }

    std::string dir_;
};

const char* const kSigned =
    "  - authorizer_name: myTest\n"
    "    func_urn: http://127.0.0.1:9000/mqtt-auth\n"
    "    signing_token: tok_1\n"
    "    signing_public_key: pub.pem\n";

// The one error of a config, or a note that there was none or more.
std::string only_error(const std::vector<std::string>& errors) {
    if (errors.size() != 1) return "expected one error, got " + std::to_string(errors.size());
    return errors.front();
}

}  // namespace

TEST_F(ConfigAuthorizers, TheSeedsDefaultsApply) {
    const LoadResult result = load(kSigned);
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const authorizers::Authorizer* authorizer = result.policy->authorizers.find("myTest");
    ASSERT_NE(authorizer, nullptr);
    EXPECT_EQ(authorizer->func_urn, "http://127.0.0.1:9000/mqtt-auth");
    EXPECT_TRUE(authorizer->signing_enable);
    EXPECT_EQ(authorizer->signing_token.reveal(), "tok_1");
    EXPECT_EQ(authorizer->signing_public_key_der, crypto::public_key_der(test_rsa::key(0)));
    EXPECT_FALSE(authorizer->default_authorizer);
    EXPECT_EQ(authorizer->status, AuthorizerStatus::Active);
    EXPECT_FALSE(authorizer->cache_enable);
    EXPECT_EQ(authorizer->timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(result.policy->authorizers.default_authorizer(), nullptr);
}

TEST_F(ConfigAuthorizers, EveryFieldCanBeSetAndTheKeyCanBeInlinePem) {
    std::string pem_block;
    const std::string pem = test_rsa::public_pem(test_rsa::key(0));
    for (std::size_t start = 0; start < pem.size();) {
        const auto end = pem.find('\n', start);
        pem_block += "      " + pem.substr(start, end - start) + "\n";
        start = end + 1;
    }
    const LoadResult result = load(
        "  - authorizer_name: in-line_2\n"
        "    func_urn: https://auth.example.com/mqtt?x=1\n"
        "    signing_enable: true\n"
        "    signing_token: T-0\n"
        "    signing_public_key: |\n" +
        pem_block +
        "    default_authorizer: true\n"
        "    status: INACTIVE\n"
        "    cache_enable: true\n"
        "    timeout_ms: 250\n");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const authorizers::Authorizer* authorizer = result.policy->authorizers.find("in-line_2");
    ASSERT_NE(authorizer, nullptr);
    EXPECT_EQ(authorizer->signing_public_key_der, crypto::public_key_der(test_rsa::key(0)));
    EXPECT_EQ(result.policy->authorizers.default_authorizer(), authorizer);
    EXPECT_EQ(authorizer->status, AuthorizerStatus::Inactive);
    EXPECT_TRUE(authorizer->cache_enable);
    EXPECT_EQ(authorizer->timeout, std::chrono::milliseconds(250));
}

TEST_F(ConfigAuthorizers, WithoutSigningNoTokenOrKeyIsNeeded) {
    const LoadResult result = load(
        "  - authorizer_name: open\n    func_urn: http://localhost/auth\n"
        "    signing_enable: false\n");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    EXPECT_FALSE(result.policy->authorizers.find("open")->signing_enable);
}

TEST_F(ConfigAuthorizers, SigningIsOnByDefaultSoTokenAndKeyAreRequired) {
    const auto found = errors("  - authorizer_name: a\n    func_urn: http://h/\n");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0],
              "auth.yaml:4:5: authorizers[0]: MissingParameter: signing_token is required while "
              "signing_enable is true (the default)");
    EXPECT_NE(found[1].find("signing_public_key is required"), std::string::npos);
}

TEST_F(ConfigAuthorizers, NamesAndTokensFollowTheSeedsAlphabetAndLength) {
    EXPECT_EQ(only_error(errors(std::string(kSigned) + "  - authorizer_name: \"a b\"\n"
                                                       "    func_urn: http://h/\n"
                                                       "    signing_enable: false\n")),
              "auth.yaml:8:22: authorizers[1].authorizer_name: InvalidParameter: 1 to 128 "
              "letters, digits, '_' or '-'");
    EXPECT_EQ(errors("  - authorizer_name: " + std::string(129, 'n') +
                     "\n    func_urn: http://h/\n    signing_enable: false\n")
                  .size(),
              1u);
    EXPECT_TRUE(load("  - authorizer_name: " + std::string(128, 'n') +
                     "\n    func_urn: http://h/\n    signing_enable: false\n")
                    .ok());
    EXPECT_NE(only_error(errors("  - authorizer_name: a\n    func_urn: http://h/\n"
                                "    signing_token: \"tok|en\"\n"
                                "    signing_public_key: pub.pem\n"))
                  .find("authorizers[0].signing_token: InvalidParameter"),
              std::string::npos);
}

TEST_F(ConfigAuthorizers, TheFunctionMustBeAnHttpOrHttpsUrl) {
    for (const char* url :
         {"ftp://h/x", "file:///etc/passwd", "127.0.0.1:9000/x", "http://", "\"http://h/a b\"",
          "urn:fss:cn-north-5:x:function:default:f:latest", "\"\""}) {
        const auto found = errors(std::string("  - authorizer_name: a\n    func_urn: ") + url +
                                  "\n    signing_enable: false\n");
        ASSERT_EQ(found.size(), 1u) << url;
        EXPECT_NE(found[0].find("authorizers[0].func_urn: InvalidParameter"), std::string::npos)
            << found[0];
    }
}

TEST_F(ConfigAuthorizers, TheKeyMustBeAnRsaPublicKeyOfAtLeast2048Bits) {
    const auto with_key = [this](const std::string& key) {
        return only_error(
            errors("  - authorizer_name: a\n    func_urn: http://h/\n"
                   "    signing_token: t\n    signing_public_key: " +
                   key + "\n"));
    };
    EXPECT_NE(with_key("small.pem").find("an RSA key of 1024 bits"), std::string::npos);
    EXPECT_NE(with_key("priv.pem").find("holds a private key"), std::string::npos);
    EXPECT_NE(with_key("missing.pem").find("cannot read it"), std::string::npos);
    EXPECT_NE(with_key("\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"")
                  .find("the inline PEM: not a PEM public key"),
              std::string::npos);
}

TEST_F(ConfigAuthorizers, TwoAuthorizersOfOneNameOrTwoDefaultsAreErrors) {
    EXPECT_NE(only_error(errors(std::string(kSigned) + kSigned))
                  .find("authorizer_name \"myTest\" is listed twice"),
              std::string::npos);
    const std::string first_default =
        "  - authorizer_name: one\n    func_urn: http://h/\n    signing_enable: false\n"
        "    default_authorizer: true\n";
    const std::string second_default =
        "  - authorizer_name: two\n    func_urn: http://h/\n    signing_enable: false\n"
        "    default_authorizer: true\n    status: INACTIVE\n";
    EXPECT_EQ(only_error(errors(first_default + second_default)),
              "auth.yaml:8:5: authorizers[1].default_authorizer: InvalidParameter: \"one\" is "
              "already the default_authorizer (at most one)");
}

TEST_F(ConfigAuthorizers, TimeoutsAreBoundedAndTypesAndKeysAreStrict) {
    const std::string head = "  - authorizer_name: a\n    func_urn: http://h/\n";
    EXPECT_NE(only_error(errors(head + "    signing_enable: false\n    timeout_ms: 10001\n"))
                  .find("timeout_ms: InvalidParameter: must be 1 to 10000"),
              std::string::npos);
    EXPECT_EQ(errors(head + "    signing_enable: false\n    timeout_ms: 0\n").size(), 1u);
    EXPECT_TRUE(load(head + "    signing_enable: false\n    timeout_ms: 10000\n").ok());
    // A quoted "false" is a string; signing then stays on and wants its token and key too.
    EXPECT_NE(errors(head + "    signing_enable: \"false\"\n")
                  .front()
                  .find("signing_enable: InvalidParameter: expected true or false"),
              std::string::npos);
    EXPECT_EQ(errors(head + "    signing_enable: false\n    status: active\n").size(), 1u);
    EXPECT_EQ(errors(head + "    signing_enable: false\n    cache_enable: yes\n").size(), 1u);
    EXPECT_NE(only_error(errors(head + "    signing_enable: false\n    func_name: f\n"))
                  .find("unknown key \"func_name\""),
              std::string::npos);
}
