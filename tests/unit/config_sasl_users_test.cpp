// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "config/loader.h"
#include "sasl/user_credentials.h"

using namespace mqauth;
using namespace mqauth::config;

namespace {

const std::string kCredentials256 =
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

// Made by Debian 12's mosquitto_passwd 2.0.11: `mosquitto_passwd -H sha512 -b pw bob b0b-secret`
// and `mosquitto_passwd -b pw alice 'correct horse'` (the default $7$, 101 iterations).
const std::string kMosquittoSha512 =
    "$6$uoDv7ArDoX+BswF8$pUwPy5PotQEcQ22Dw14kYQBUqJVRhz6XaAD6M6JHUYT0lXeT2oB1szcsGeFps35E9mhA7CLM33"
    "YKsWTKZ3TwKQ==";
const std::string kMosquittoPbkdf2Tail =
    "$ZNpe8Jf/qbU9sr8u$bS/Uw0o9Ba5KUMo445j9QYHbtfCy0Gk79/"
    "txm6Aq2HG+1dL4id6pv7mRZr0cwPUzPCFNQt9vk8iJiJ"
    "rkomFM3w==";

LoadResult load(const std::string& users) {
    return load_text("version: 1\npermissions: {}\nsasl_users:\n" + users, "auth.yaml", ".");
}

}  // namespace

TEST(ConfigSaslUsers, LoadsHashedAndPlaintextUsers) {
    const LoadResult result = load(
        "  - username: alice\n    type: scram\n    mechanism: SCRAM-SHA-256\n"
        "    credentials: \"" +
        kCredentials256 +
        "\"\n"
        "  - username: bob\n    password: hunter2\n");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const sasl::SaslUser* alice = result.policy->sasl_users.find("alice");
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->type, sasl::SaslType::Scram);
    EXPECT_TRUE(sasl::password_matches(alice->credentials, "pencil"));
    const sasl::SaslUser* bob = result.policy->sasl_users.find("bob");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->type, sasl::SaslType::Plain);
    ASSERT_NE(sasl::scram_of(bob->credentials), nullptr);
    EXPECT_EQ(sasl::scram_of(bob->credentials)->mechanism,
              sasl::Mechanism::ScramSha512);  // default
    ASSERT_EQ(result.formatted_warnings().size(), 1u);
    EXPECT_EQ(result.formatted_warnings()[0],
              "auth.yaml:9:15: sasl_users[1].password: plaintext password: store `credentials` "
              "from mqauth sasl-hash instead");
    EXPECT_EQ(result.formatted_warnings()[0].find("hunter2"), std::string::npos);
}

TEST(ConfigSaslUsers, MechanismMustMatchTheCredentials) {
    const auto errors = load(
                            "  - username: alice\n    type: scram\n    mechanism: SCRAM-SHA-512\n"
                            "    credentials: \"" +
                            kCredentials256 + "\"\n")
                            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:6:16: sasl_users[0].mechanism: InvalidParameter: the "
              "credentials are for SCRAM-SHA-256");
}

TEST(ConfigSaslUsers, BadCredentialsNameTheirLine) {
    const auto errors =
        load("  - username: alice\n    credentials: \"SCRAM-SHA-256$1:AA==$AA==:AA==\"\n")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:18: sasl_users[0].credentials: InvalidParameter: iterations "
              "must be a number from 4096 to 10000000");
}

TEST(ConfigSaslUsers, NeedsExactlyOneOfCredentialsAndPassword) {
    EXPECT_EQ(load("  - username: a\n").formatted_errors().at(0),
              "auth.yaml:4:5: sasl_users[0]: MissingParameter: credentials (from mqauth sasl-hash) "
              "is required");
    EXPECT_EQ(
        load("  - username: a\n    password: x\n    credentials: \"" + kCredentials256 + "\"\n")
            .formatted_errors()
            .at(0),
        "auth.yaml:4:5: sasl_users[0]: InvalidParameter: give only one of credentials and "
        "password");
}

TEST(ConfigSaslUsers, TypeAndMechanismEnumsAreChecked) {
    const auto errors =
        load("  - username: a\n    type: SCRAM\n    mechanism: scram-sha-256\n    password: x\n")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:11: sasl_users[0].type: InvalidParameter: must be one of "
              "plain, scram, got \"SCRAM\"");
}

TEST(ConfigSaslUsers, DuplicateUsernameIsAnError) {
    const auto errors = load("  - username: a\n    password: x\n  - username: a\n    password: y\n")
                            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:6:5: sasl_users[1]: InvalidParameter: duplicate SASL user: this "
              "username is already defined at line 4");
}

TEST(ConfigSaslUsers, AUsernameCannotBeBothAUserIdentityAndASaslUser) {
    const auto errors =
        load_text(
            "version: 1\npermissions: {}\nidentities:\n  - username: a\n    identity_type: USER\n"
            "    secret: s\n    sign_mode: ORIGIN\nsasl_users:\n  - username: a\n    password: x\n",
            "auth.yaml", ".")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:9:15: sasl_users[0].username: InvalidParameter: \"a\" is also a "
              "USER identity; a username is one or the other");
}

TEST(ConfigSaslUsers, APlainUsersCredentialsMayBeAMosquittoHash) {
    const LoadResult result =
        load("  - username: bob\n    credentials: \"" + kMosquittoSha512 +
             "\"\n  - username: alice\n    type: plain\n    credentials: \"$7$101" +
             kMosquittoPbkdf2Tail + "\"\n    previous_credentials: \"" + kMosquittoSha512 + "\"\n");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    const sasl::SaslUser* bob = result.policy->sasl_users.find("bob");
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(sasl::scram_of(bob->credentials), nullptr);
    EXPECT_TRUE(sasl::password_matches(bob->credentials, "b0b-secret"));
    const sasl::SaslUser* alice = result.policy->sasl_users.find("alice");
    ASSERT_NE(alice, nullptr);
    EXPECT_TRUE(sasl::password_matches(alice->credentials, "correct horse"));
    ASSERT_TRUE(alice->previous);
    EXPECT_TRUE(sasl::password_matches(alice->previous->credentials, "b0b-secret"));
}

TEST(ConfigSaslUsers, AScramUserCannotHaveAMosquittoHash) {
    const auto errors = load("  - username: alice\n    type: scram\n    credentials: \"" +
                             kMosquittoSha512 + "\"\n")
                            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:6:18: sasl_users[0].credentials: InvalidParameter: a Mosquitto password "
              "hash serves plain users only: SCRAM needs a StoredKey and a ServerKey (mqauth "
              "sasl-hash, or mqauth sasl-users rotate)");
}

TEST(ConfigSaslUsers, AScramUsersPreviousCredentialsCannotBeAMosquittoHash) {
    const auto errors =
        load(
            "  - username: alice\n    type: scram\n    mechanism: SCRAM-SHA-256\n"
            "    credentials: \"" +
            kCredentials256 + "\"\n    previous_credentials: \"" + kMosquittoSha512 + "\"\n")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:8:27: sasl_users[0].previous_credentials: InvalidParameter: a Mosquitto "
              "password hash serves plain users only: SCRAM needs a StoredKey and a ServerKey "
              "(mqauth sasl-hash, or mqauth sasl-users rotate)");
}

TEST(ConfigSaslUsers, AMosquittoHashHasNoMechanism) {
    const auto errors =
        load("  - username: bob\n    mechanism: SCRAM-SHA-512\n    credentials: \"" +
             kMosquittoSha512 + "\"\n")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:16: sasl_users[0].mechanism: InvalidParameter: a Mosquitto password "
              "hash has no SCRAM mechanism");
}

TEST(ConfigSaslUsers, AbsurdMosquittoIterationCountsAreRefusedAtLoad) {
    const auto errors =
        load("  - username: alice\n    credentials: \"$7$10000001" + kMosquittoPbkdf2Tail + "\"\n")
            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:18: sasl_users[0].credentials: InvalidParameter: iterations must be a "
              "number from 1 to 10000000");
}

TEST(ConfigSaslUsers, AMalformedMosquittoHashNamesItsLine) {
    const auto errors = load("  - username: bob\n    credentials: \"$6$uoDv7ArDoX+BswF8$AAAA\"\n")
                            .formatted_errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:5:18: sasl_users[0].credentials: InvalidParameter: the hash is not Base64 "
              "of 64 bytes");
}

TEST(ConfigSaslUsers, TheDearestPlainUserTimesRefusals) {
    const LoadResult result = load("  - username: bob\n    credentials: \"" + kMosquittoSha512 +
                                   "\"\n  - username: frank\n    password: pw\n"
                                   "  - username: alice\n    credentials: \"$7$101" +
                                   kMosquittoPbkdf2Tail + "\"\n");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    ASSERT_NE(result.policy->sasl_users.any_plain_user(), nullptr);
    EXPECT_EQ(result.policy->sasl_users.any_plain_user()->username, "frank");  // 4096 iterations
}
