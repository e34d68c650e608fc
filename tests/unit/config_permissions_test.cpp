// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.h"

using namespace mqauth;
using namespace mqauth::config;

namespace {

std::string with_rule(const std::string& fields) {
    return "version: 1\npermissions:\n  rules:\n    - " + fields;
}

std::vector<std::string> errors_of(const std::string& yaml) {
    return load_text(yaml, "auth.yaml", ".").formatted_errors();
}

const char* const kRuleTail = "\n      permit_action: PUB\n      effect: ALLOW\n";

}  // namespace

TEST(ConfigPermissions, LoadsRulesAndNoMatch) {
    const LoadResult result = load_text(R"(version: 1
identities:
  - {username: fleet, identity_type: CLIENT, client_id: dev1, secret: s, sign_mode: ORIGIN}
permissions:
  no_match: ALLOW
  rules:
    - identity_type: USER
      identity: fleet
      topic: "devices/%c/#"
      permit_action: PUB_SUB
      effect: ALLOW
    - identity_type: CLIENT
      identity: dev1
      topic: devices/dev1/secret
      permit_action: SUB
      effect: DENY
)",
                                        "auth.yaml", ".");
    ASSERT_TRUE(result.ok()) << result.formatted_errors().front();
    EXPECT_TRUE(result.warnings.empty());
    EXPECT_EQ(result.policy->permissions.no_match(), permissions::Effect::Allow);
    const permissions::Subject subject{"fleet", "dev1", true};
    EXPECT_TRUE(result.policy->permissions.permits(permissions::Access::Publish, "devices/dev1/x",
                                                   subject));
    EXPECT_FALSE(result.policy->permissions.permits(permissions::Access::Deliver,
                                                    "devices/dev1/secret", subject));
}

TEST(ConfigPermissions, MissingSectionMeansDenyAndSaysSo) {
    const LoadResult result = load_text("version: 1\n", "auth.yaml", ".");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.policy->permissions.no_match(), permissions::Effect::Deny);
    ASSERT_EQ(result.formatted_warnings().size(), 1u);
    EXPECT_EQ(result.formatted_warnings()[0],
              "auth.yaml:1:1: permissions: no permissions section: every PUBLISH and SUBSCRIBE is "
              "denied (permissions.no_match defaults to DENY)");
}

TEST(ConfigPermissions, InvalidFiltersAreErrorsWithTheirLine) {
    const std::pair<const char*, const char*> cases[] = {
        {"a/#/b", "'#' must be the last level"},
        {"a+", "'+' and '#' must stand alone in their level"},
        {"\"\"", "a topic filter must not be empty"},
    };
    for (const auto& [topic, why] : cases) {
        const auto errors =
            errors_of(with_rule(std::string("identity_type: USER\n      identity: u\n"
                                            "      topic: ") +
                                topic + kRuleTail));
        ASSERT_EQ(errors.size(), 1u) << topic;
        EXPECT_EQ(errors[0].rfind("auth.yaml:6:14: permissions.rules[0].topic: InvalidParameter: "
                                  "invalid topic filter",
                                  0),
                  0u)
            << errors[0];
        EXPECT_NE(errors[0].find(why), std::string::npos) << errors[0];
    }
}

TEST(ConfigPermissions, WrongEnumsAndMissingFieldsAreErrors) {
    const auto errors =
        errors_of(with_rule("identity_type: user\n      topic: a\n      permit_action: PUBSUB\n"));
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors[0],
              "auth.yaml:4:22: permissions.rules[0].identity_type: InvalidParameter: "
              "must be one of USER, CLIENT, got \"user\"");
    EXPECT_EQ(errors[1],
              "auth.yaml:4:7: permissions.rules[0].identity: MissingParameter: "
              "identity is required");
    EXPECT_EQ(errors[2],
              "auth.yaml:6:22: permissions.rules[0].permit_action: InvalidParameter: "
              "must be one of PUB, SUB, PUB_SUB, got \"PUBSUB\"");
    EXPECT_EQ(errors[3],
              "auth.yaml:4:7: permissions.rules[0].effect: MissingParameter: "
              "effect is required");
}

TEST(ConfigPermissions, DuplicateRuleNamesTheFirstLine) {
    const std::string rule =
        "    - identity_type: USER\n      identity: u\n      topic: a\n      permit_action: PUB\n"
        "      effect: ALLOW\n";
    const auto errors = errors_of("version: 1\npermissions:\n  rules:\n" + rule + rule);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:9:7: permissions.rules[1]: InvalidParameter: duplicate rule: "
              "the same rule is already defined at line 4");
}

TEST(ConfigPermissions, UnknownKeyInPermissionsIsAnError) {
    const auto errors = errors_of("version: 1\npermissions:\n  nomatch: ALLOW\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0],
              "auth.yaml:3:3: permissions.nomatch: InvalidParameter: unknown key "
              "\"nomatch\"");
}

TEST(ConfigPermissions, WarnsAboutAClientRuleWhoseClientIdNoLoginCanProve) {
    const std::string rules = R"(permissions:
  rules:
    - {identity_type: CLIENT, identity: dev9, topic: a, permit_action: PUB, effect: ALLOW}
)";
    const LoadResult unprovable = load_text(
        "version: 1\nidentities:\n"
        "  - {username: u, identity_type: USER, secret: s, sign_mode: ORIGIN}\n" +
            rules,
        "auth.yaml", ".");
    ASSERT_TRUE(unprovable.ok());
    ASSERT_EQ(unprovable.formatted_warnings().size(), 1u);
    EXPECT_NE(unprovable.formatted_warnings()[0].find(
                  "auth.yaml:6:7: permissions.rules[0].identity: no login can prove client id "
                  "\"dev9\""),
              std::string::npos)
        << unprovable.formatted_warnings()[0];

    for (const char* prover :
         {"  - {username: u, identity_type: CLIENT, client_id: dev9, secret: s, "
          "sign_mode: ORIGIN}\n",
          "  - {username: u, identity_type: USER, secret: s, sign_mode: SIGNED}\n"}) {
        const LoadResult provable =
            load_text(std::string("version: 1\nidentities:\n") + prover + rules, "auth.yaml", ".");
        ASSERT_TRUE(provable.ok());
        EXPECT_TRUE(provable.warnings.empty()) << prover;
    }
}
