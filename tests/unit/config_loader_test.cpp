// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"
#include "policy_summary.h"

using namespace mqauth;
using namespace mqauth::config;

namespace {

std::vector<std::string> errors_of(const std::string& yaml) {
    return load_text(yaml, "auth.yaml", ".").formatted_errors();
}

// The one error a config produces; fails the test when there are none or several.
std::string only_error(const std::string& yaml) {
    const auto errors = errors_of(yaml);
    EXPECT_EQ(errors.size(), 1u) << yaml;
    std::string all;
    for (const auto& line : errors) all += line + "\n";
    return errors.size() == 1 ? errors.front() : all;
}

std::string identity(const std::string& fields) {
    return "version: 1\nidentities:\n  - " + fields;
}

}  // namespace

TEST(ConfigLoader, LoadsAValidFile) {
    const LoadResult result = load_text(R"(version: 1
anonymous: allow
identities:
  - username: fleet
    identity_type: USER
    secret: "s3cr3t"
    sign_mode: SIGNED
  - username: fleet
    identity_type: CLIENT
    client_id: GID_test@@@dev1
    secret: other
    sign_mode: ORIGIN
)",
                                        "auth.yaml", ".");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    EXPECT_EQ(result.policy->anonymous, AnonymousAccess::Allow);
    EXPECT_EQ(result.policy->identities.size(), 2u);
}

// The CONNECT path relies on it: a SIGNED identity's secret comes prepared as an HMAC key.
TEST(ConfigLoader, SignedIdentitiesComeWithAPreparedSigningKey) {
    const LoadResult result = load_text(identity("username: fleet\n    identity_type: USER\n"
                                                 "    secret: s3cr3t\n    sign_mode: SIGNED\n"
                                                 "  - username: plain\n    identity_type: USER\n"
                                                 "    secret: s3cr3t\n    sign_mode: ORIGIN\n"),
                                        "auth.yaml", ".");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    ASSERT_NE(result.policy->identities.select("fleet", "any"), nullptr);
    EXPECT_NE(result.policy->identities.select("fleet", "any")->signing_key, nullptr);
    EXPECT_EQ(result.policy->identities.select("plain", "any")->signing_key, nullptr);
}

TEST(PolicySummary, CountsWhatThePolicyHolds) {
    const LoadResult result = load_text(R"(version: 1
identities:
  - {username: a, identity_type: USER, secret: s, sign_mode: ORIGIN}
  - {username: b, identity_type: USER, secret: s, sign_mode: SIGNED}
permissions:
  rules:
    - {identity_type: USER, identity: a, topic: "a/#", permit_action: PUB, effect: ALLOW}
)",
                                        "auth.yaml", ".");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    EXPECT_EQ(summarize(*result.policy),
              "2 identities, 1 rules, 0 SASL users, 0 CAs, 0 authorizers");
}

TEST(ConfigLoader, AnonymousDefaultsToDeny) {
    const LoadResult result = load_text("version: 1\n", "auth.yaml", ".");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.policy->anonymous, AnonymousAccess::Deny);
}

TEST(ConfigLoader, UnknownTopLevelKeyNamesItsLine) {
    EXPECT_EQ(only_error("version: 1\nanonymus: allow\n"),
              "auth.yaml:2:1: anonymus: InvalidParameter: unknown key \"anonymus\"");
}

TEST(ConfigLoader, UnknownIdentityKeyNamesItsPath) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    secret: s\n"
                                  "    sign_mode: ORIGIN\n    colour: red\n")),
              "auth.yaml:7:5: identities[0].colour: InvalidParameter: unknown key \"colour\"");
}

TEST(ConfigLoader, VersionIsRequiredAndMustBeOne) {
    EXPECT_EQ(only_error("anonymous: deny\n"),
              "auth.yaml:1:1: version: MissingParameter: version is required");
    EXPECT_EQ(only_error("version: 2\n"),
              "auth.yaml:1:10: version: InvalidParameter: unsupported version 2 (this mqauth reads "
              "version 1)");
    EXPECT_EQ(only_error("version: \"1\"\n"),
              "auth.yaml:1:10: version: InvalidParameter: expected an integer");
}

TEST(ConfigLoader, EnumValuesAreCaseSensitive) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: user\n    secret: s\n"
                                  "    sign_mode: ORIGIN\n")),
              "auth.yaml:4:20: identities[0].identity_type: InvalidParameter: must be one of USER, "
              "CLIENT, got \"user\"");
    EXPECT_EQ(
        only_error("version: 1\nanonymous: Deny\n"),
        "auth.yaml:2:12: anonymous: InvalidParameter: must be one of deny, allow, got \"Deny\"");
    EXPECT_EQ(only_error("version: 1\nunknown_usernames: defer\n"),
              "auth.yaml:2:20: unknown_usernames: InvalidParameter: must be one of refuse, "
              "next_plugin, got \"defer\"");
}

TEST(ConfigLoader, WrongSignModeNamesItsLine) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    secret: s\n"
                                  "    sign_mode: SIGNEDX\n")),
              "auth.yaml:6:16: identities[0].sign_mode: InvalidParameter: must be one of ORIGIN, "
              "SIGNED, got \"SIGNEDX\"");
}

TEST(ConfigLoader, WrongTypesAreErrors) {
    EXPECT_EQ(only_error("version: 1\nidentities: fleet\n"),
              "auth.yaml:2:13: identities: InvalidParameter: expected a list, got a scalar");
    EXPECT_EQ(only_error("version: 1\nidentities:\n  - fleet\n"),
              "auth.yaml:3:5: identities[0]: InvalidParameter: expected a mapping, got a scalar");
    EXPECT_EQ(only_error(identity("username: [a]\n    identity_type: USER\n    secret: s\n"
                                  "    sign_mode: ORIGIN\n")),
              "auth.yaml:3:15: identities[0].username: InvalidParameter: expected a string, got a "
              "list");
    EXPECT_EQ(only_error("- a\n"),
              "auth.yaml:1:1: InvalidParameter: expected a mapping, got a list");
}

TEST(ConfigLoader, MissingFieldsAreNamedAtTheEntry) {
    const auto errors = errors_of(identity("username: a\n"));
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0],
              "auth.yaml:3:5: identities[0].identity_type: MissingParameter: "
              "identity_type is required");
    EXPECT_EQ(errors[1],
              "auth.yaml:3:5: identities[0].sign_mode: MissingParameter: sign_mode is required");
    EXPECT_EQ(errors[2],
              "auth.yaml:3:5: identities[0]: MissingParameter: one of secret, "
              "secret_file or secret_env is required");
}

TEST(ConfigLoader, UsernameOver64CharactersIsAnError) {
    const std::string name(65, 'u');
    EXPECT_EQ(only_error(identity("username: " + name +
                                  "\n    identity_type: USER\n"
                                  "    secret: s\n    sign_mode: ORIGIN\n")),
              "auth.yaml:3:15: identities[0].username: InvalidParameter: must be 1 to 64 "
              "characters");
}

TEST(ConfigLoader, UsernameOf64MultibyteCharactersIsAccepted) {
    std::string name;
    for (int i = 0; i < 64; ++i) name += "é";
    EXPECT_TRUE(errors_of(identity("username: " + name +
                                   "\n    identity_type: USER\n"
                                   "    secret: s\n    sign_mode: ORIGIN\n"))
                    .empty());
}

TEST(ConfigLoader, ClientIdentityNeedsAClientId) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: CLIENT\n    secret: s\n"
                                  "    sign_mode: ORIGIN\n")),
              "auth.yaml:3:5: identities[0].client_id: MissingParameter: client_id is required");
}

TEST(ConfigLoader, UserIdentityMustNotHaveAClientId) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    client_id: c\n"
                                  "    secret: s\n    sign_mode: ORIGIN\n")),
              "auth.yaml:5:16: identities[0].client_id: InvalidParameter: only a CLIENT identity "
              "has a client_id");
}

TEST(ConfigLoader, TwoSecretSourcesConflict) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    secret: s\n"
                                  "    secret_env: HOME\n    sign_mode: ORIGIN\n")),
              "auth.yaml:3:5: identities[0]: InvalidParameter: give only one of secret, "
              "secret_file and secret_env");
}

TEST(ConfigLoader, DuplicateUserIdentityNamesTheFirstLine) {
    const std::string entry =
        "  - username: a\n    identity_type: USER\n    secret: s\n"
        "    sign_mode: ORIGIN\n";
    EXPECT_EQ(only_error("version: 1\nidentities:\n" + entry + entry),
              "auth.yaml:7:5: identities[1]: InvalidParameter: duplicate identity: a USER identity "
              "of this username is already defined at line 3");
}

TEST(ConfigLoader, DuplicateClientBindingIsAnErrorButAnotherClientIdIsNot) {
    const auto entry = [](const std::string& client_id) {
        return "  - username: a\n    identity_type: CLIENT\n    client_id: " + client_id +
               "\n    secret: s\n    sign_mode: ORIGIN\n";
    };
    EXPECT_TRUE(errors_of("version: 1\nidentities:\n" + entry("c1") + entry("c2")).empty());
    EXPECT_EQ(only_error("version: 1\nidentities:\n" + entry("c1") + entry("c1")),
              "auth.yaml:8:5: identities[1]: InvalidParameter: duplicate identity: a CLIENT "
              "identity of this username and client_id is already defined at line 3");
}

TEST(ConfigLoader, DuplicateYamlKeyIsAnError) {
    EXPECT_EQ(only_error(identity("username: a\n    username: b\n")),
              "auth.yaml:4:5: InvalidParameter: duplicate key \"username\"");
}

TEST(ConfigLoader, EveryBadEntryIsReportedNotJustTheFirst) {
    const auto errors = errors_of(
        "version: 1\nidentities:\n  - username: a\n    identity_type: USR\n    secret: s\n"
        "    sign_mode: ORIGIN\n  - username: b\n    identity_type: USER\n    secret: s\n"
        "    sign_mode: SIGN\n");
    EXPECT_EQ(errors.size(), 2u);
}

TEST(ConfigLoader, EmptyFileIsAnError) {
    EXPECT_EQ(only_error(""),
              "auth.yaml:1:1: MissingParameter: the file is empty (it needs "
              "version: 1)");
}

TEST(ConfigLoader, NulByteIsAnErrorWithItsPosition) {
    EXPECT_EQ(only_error(std::string("version: 1\nano\0nymous: deny\n", 26)),
              "auth.yaml:2:4: InvalidParameter: the file holds a NUL byte (not YAML text)");
}

TEST(ConfigLoader, ErrorsNeverQuoteTheSecret) {
    const auto errors =
        errors_of(identity("username: a\n    identity_type: USER\n"
                           "    secret: hunter2-very-secret\n    sign_mode: X\n"));
    ASSERT_FALSE(errors.empty());
    for (const auto& line : errors) EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
}

TEST(ConfigLoader, MissingFileIsAnErrorNamingTheFile) {
    const LoadResult result = load_file("/nonexistent/mqauth.yaml");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.formatted_errors().front(),
              "/nonexistent/mqauth.yaml:0:0: cannot open: No such file or directory");
}

TEST(ConfigLoader, ShippedDemoConfigIsValid) {
    const LoadResult result = load_file(std::string(MQAUTH_TEST_DATA_DIR) + "/auth.yaml");
    EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.formatted_errors().front());
}

TEST(ConfigLoader, AnIdentityMayCarryItsPreviousSecretUntilATime) {
    const auto loaded =
        load_text(identity("username: a\n    identity_type: USER\n    secret: new\n"
                           "    previous_secret: old\n"
                           "    previous_secret_until: \"2030-01-01T01:00:00+01:00\"\n"
                           "    sign_mode: SIGNED\n"),
                  "auth.yaml", ".");
    ASSERT_TRUE(loaded.ok()) << loaded.formatted_errors().front();
    const auto* rotated = loaded.policy->identities.select("a", "any");
    ASSERT_TRUE(rotated && rotated->previous && rotated->previous->until);
    EXPECT_EQ(rotated->previous->secret.reveal(), "old");
    EXPECT_EQ(std::chrono::system_clock::to_time_t(*rotated->previous->until), 1893456000);
    EXPECT_NE(rotated->previous->signing_key, nullptr);
    // Without a time, until the operator removes it.
    const auto open_ended =
        load_text(identity("username: a\n    identity_type: USER\n    secret: n\n"
                           "    previous_secret_env: HOME\n    sign_mode: ORIGIN\n"),
                  "auth.yaml", ".");
    ASSERT_TRUE(open_ended.ok());
    EXPECT_FALSE(open_ended.policy->identities.select("a", "x")->previous->until);
}

TEST(ConfigLoader, APreviousSecretUntilMustBeATimeWithItsOffsetAndEndSomething) {
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    secret: s\n"
                                  "    previous_secret: o\n    previous_secret_until: 2030-01-01\n"
                                  "    sign_mode: ORIGIN\n")),
              "auth.yaml:7:28: identities[0].previous_secret_until: InvalidParameter: not a date "
              "and time with its UTC offset, like 2026-12-31T23:59:59Z");
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    secret: s\n"
                                  "    previous_secret_until: \"2030-01-01T00:00:00Z\"\n"
                                  "    sign_mode: ORIGIN\n")),
              "auth.yaml:6:28: identities[0].previous_secret_until: InvalidParameter: there is no "
              "previous_secret (or previous_secret_file, previous_secret_env) for it to end");
    EXPECT_EQ(only_error(identity("username: a\n    identity_type: USER\n    secret: s\n"
                                  "    previous_secret: o\n    previous_secret_env: HOME\n"
                                  "    sign_mode: ORIGIN\n")),
              "auth.yaml:3:5: identities[0]: InvalidParameter: give only one of previous_secret, "
              "previous_secret_file and previous_secret_env");
}
