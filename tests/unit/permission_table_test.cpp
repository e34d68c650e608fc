// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "permissions/permission_table.h"

using namespace mqauth::permissions;

namespace {

const Subject kAlice{"alice", "dev1", true};

}  // namespace

TEST(PermissionTable, DenyBeatsAnyAllow) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "a/#", kPublish | kSubscribe, Effect::Allow);
    table.add(RuleSubject::User, "alice", "a/secret", kPublish, Effect::Deny);
    EXPECT_TRUE(table.permits(Access::Publish, "a/open", kAlice));
    EXPECT_FALSE(table.permits(Access::Publish, "a/secret", kAlice));
    EXPECT_TRUE(table.permits(Access::Deliver, "a/secret", kAlice));  // the DENY is PUB only
}

TEST(PermissionTable, ClientRulesDenyOverUserRulesAllow) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "a/#", kPublish, Effect::Allow);
    table.add(RuleSubject::Client, "dev1", "a/b", kPublish, Effect::Deny);
    EXPECT_FALSE(table.permits(Access::Publish, "a/b", kAlice));
    EXPECT_TRUE(table.permits(Access::Publish, "a/b", Subject{"alice", "dev2", true}));
}

TEST(PermissionTable, UserRulesApplyByUsernameAndClientRulesByClientId) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "u/#", kPublish, Effect::Allow);
    table.add(RuleSubject::Client, "dev1", "c/#", kPublish, Effect::Allow);
    EXPECT_TRUE(table.permits(Access::Publish, "u/x", Subject{"alice", "other"}));
    EXPECT_FALSE(table.permits(Access::Publish, "u/x", Subject{"bob", "dev1", true}));
    EXPECT_TRUE(table.permits(Access::Publish, "c/x", Subject{"bob", "dev1", true}));
    EXPECT_TRUE(table.permits(Access::Publish, "c/x", Subject{"", "dev1", true}));  // anonymous
}

TEST(PermissionTable, ClientRulesApplyOnlyToAProvenClientId) {
    PermissionTable table;
    table.add(RuleSubject::Client, "dev1", "c/#", kPublish, Effect::Allow);
    EXPECT_FALSE(table.permits(Access::Publish, "c/x", Subject{"bob", "dev1", false}));
    EXPECT_TRUE(table.permits(Access::Publish, "c/x", Subject{"bob", "dev1", true}));
}

TEST(PermissionTable, NoMatchDecidesWhenNothingMatches) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "a", kPublish, Effect::Allow);
    EXPECT_FALSE(table.permits(Access::Publish, "b", kAlice));
    table.set_no_match(Effect::Allow);
    EXPECT_TRUE(table.permits(Access::Publish, "b", kAlice));
    table.add(RuleSubject::User, "alice", "c", kPublish, Effect::Deny);
    EXPECT_FALSE(table.permits(Access::Publish, "c", kAlice));
}

TEST(PermissionTable, SubscribeChecksTheWholeFilterAndDeliveryTheTopic) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "a/b", kSubscribe, Effect::Allow);
    EXPECT_TRUE(table.permits(Access::Subscribe, "a/b", kAlice));
    EXPECT_FALSE(table.permits(Access::Subscribe, "a/#", kAlice));
    EXPECT_TRUE(table.permits(Access::Deliver, "a/b", kAlice));
    EXPECT_FALSE(table.permits(Access::Deliver, "a/c", kAlice));
    EXPECT_FALSE(table.permits(Access::Publish, "a/b", kAlice));  // SUB does not grant PUB
}

TEST(PermissionTable, SharedSubscriptionsAreCheckedAgainstTheirFilter) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "jobs/#", kSubscribe, Effect::Allow);
    EXPECT_TRUE(table.permits(Access::Subscribe, "$share/workers/jobs/#", kAlice));
    EXPECT_FALSE(table.permits(Access::Subscribe, "$share/workers/other/#", kAlice));
}

TEST(PermissionTable, ASubscriptionPartlyDeniedIsAllowedButTheDeniedTopicsAreNotDelivered) {
    PermissionTable table;
    table.add(RuleSubject::User, "alice", "a/#", kSubscribe, Effect::Allow);
    table.add(RuleSubject::User, "alice", "a/secret", kSubscribe, Effect::Deny);
    EXPECT_TRUE(table.permits(Access::Subscribe, "a/#", kAlice));
    EXPECT_FALSE(table.permits(Access::Subscribe, "a/secret", kAlice));
    EXPECT_FALSE(table.permits(Access::Deliver, "a/secret", kAlice));
    EXPECT_TRUE(table.permits(Access::Deliver, "a/open", kAlice));
}

TEST(PermissionTable, ScalesByIdentityNotByRuleCount) {
    PermissionTable table;
    for (int i = 0; i < 10000; ++i) {
        table.add(RuleSubject::User, "user" + std::to_string(i), "t/" + std::to_string(i) + "/#",
                  kPublish, Effect::Allow);
    }
    EXPECT_TRUE(table.permits(Access::Publish, "t/9999/x", Subject{"user9999", "c"}));
    EXPECT_FALSE(table.permits(Access::Publish, "t/9998/x", Subject{"user9999", "c"}));
}
