// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "permissions/rule_tree.h"

using namespace mqauth::permissions;

namespace {

const Subject kSubject{"alice", "dev1"};

RuleTree tree_allowing(std::initializer_list<const char*> filters) {
    RuleTree tree;
    for (const char* filter : filters) tree.add(filter, kPublish | kSubscribe, Effect::Allow);
    return tree;
}

bool topic_allowed(const RuleTree& tree, std::string_view topic,
                   const Subject& subject = kSubject) {
    return tree.match_topic(topic, subject).allows(Action::Publish);
}

bool filter_covered(const RuleTree& tree, std::string_view filter,
                    const Subject& subject = kSubject) {
    return tree.cover_filter(filter, subject).allows(Action::Subscribe);
}

}  // namespace

TEST(RuleTreeTopic, ExactLevelsMatchOnlyThemselves) {
    const RuleTree tree = tree_allowing({"a/b"});
    EXPECT_TRUE(topic_allowed(tree, "a/b"));
    EXPECT_FALSE(topic_allowed(tree, "a"));
    EXPECT_FALSE(topic_allowed(tree, "a/b/c"));
    EXPECT_FALSE(topic_allowed(tree, "a/bc"));
    EXPECT_FALSE(topic_allowed(tree, "/a/b"));
}

TEST(RuleTreeTopic, SingleLevelWildcardAtEveryPosition) {
    EXPECT_TRUE(topic_allowed(tree_allowing({"+/b/c"}), "a/b/c"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"a/+/c"}), "a/x/c"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"a/b/+"}), "a/b/x"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"a/+/c"}), "a//c"));  // an empty level is a level
    EXPECT_FALSE(topic_allowed(tree_allowing({"a/+"}), "a/b/c"));
    EXPECT_FALSE(topic_allowed(tree_allowing({"a/+"}), "a"));
}

TEST(RuleTreeTopic, MultiLevelWildcardMatchesItsParentAndEverythingBelow) {
    const RuleTree tree = tree_allowing({"a/#"});
    EXPECT_TRUE(topic_allowed(tree, "a"));
    EXPECT_TRUE(topic_allowed(tree, "a/b"));
    EXPECT_TRUE(topic_allowed(tree, "a/b/c/d"));
    EXPECT_FALSE(topic_allowed(tree, "b/a"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"#"}), "anything/at/all"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"+/#"}), "a/b/c"));
}

TEST(RuleTreeTopic, LeadingWildcardsNeverMatchDollarTopics) {
    EXPECT_FALSE(topic_allowed(tree_allowing({"#"}), "$SYS/broker/uptime"));
    EXPECT_FALSE(topic_allowed(tree_allowing({"+/broker/uptime"}), "$SYS/broker/uptime"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"$SYS/#"}), "$SYS/broker/uptime"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"$SYS/+/uptime"}), "$SYS/broker/uptime"));
    EXPECT_TRUE(topic_allowed(tree_allowing({"a/#"}), "a/$b"));  // only the first level counts
}

TEST(RuleTreeTopic, PlaceholdersStandForTheClientsOwnNames) {
    const RuleTree tree = tree_allowing({"users/%u/#", "devices/%c"});
    EXPECT_TRUE(topic_allowed(tree, "users/alice/inbox"));
    EXPECT_FALSE(topic_allowed(tree, "users/bob/inbox"));
    EXPECT_TRUE(topic_allowed(tree, "devices/dev1"));
    EXPECT_FALSE(topic_allowed(tree, "devices/dev2"));
    EXPECT_FALSE(topic_allowed(tree, "devices/dev1/x"));
}

TEST(RuleTreeTopic, HostileNamesInPlaceholdersMatchNothing) {
    const RuleTree tree = tree_allowing({"devices/%c/data", "users/%u"});
    EXPECT_FALSE(topic_allowed(tree, "devices/a/b/data", Subject{"u", "a/b"}));
    EXPECT_FALSE(topic_allowed(tree, "devices/+/data", Subject{"u", "+"}));
    EXPECT_FALSE(topic_allowed(tree, "devices/#/data", Subject{"u", "#"}));
    EXPECT_FALSE(topic_allowed(tree, "users/", Subject{"", "c"}));  // no username, no match
}

TEST(RuleTreeTopic, PlaceholdersAtTheFirstLevelNeverMatchDollarTopics) {
    const Subject dollar{"$SYS", "$SYS"};
    EXPECT_FALSE(topic_allowed(tree_allowing({"%c/#"}), "$SYS/broker/uptime", dollar));
    EXPECT_FALSE(topic_allowed(tree_allowing({"%u/#"}), "$SYS/broker/uptime", dollar));
    EXPECT_FALSE(filter_covered(tree_allowing({"%c/#"}), "$SYS/#", dollar));
    // Deeper levels are not special, and ordinary names still match at the first level.
    EXPECT_TRUE(topic_allowed(tree_allowing({"d/%c"}), "d/$SYS", dollar));
    EXPECT_TRUE(topic_allowed(tree_allowing({"%c/#"}), "dev1/x"));
}

TEST(RuleTreeFilter, AFilterIsCoveredOnlyByRulesMatchingAllItsTopics) {
    const RuleTree tree = tree_allowing({"a/b"});
    EXPECT_TRUE(filter_covered(tree, "a/b"));
    EXPECT_FALSE(filter_covered(tree, "a/#"));
    EXPECT_FALSE(filter_covered(tree, "a/+"));
    EXPECT_FALSE(filter_covered(tree, "#"));
    EXPECT_FALSE(filter_covered(tree, "+/b"));
}

TEST(RuleTreeFilter, WildcardRulesCoverNarrowerFilters) {
    const RuleTree plus = tree_allowing({"a/+"});
    EXPECT_TRUE(filter_covered(plus, "a/+"));
    EXPECT_TRUE(filter_covered(plus, "a/x"));
    EXPECT_FALSE(filter_covered(plus, "a/#"));
    const RuleTree hash = tree_allowing({"a/#"});
    EXPECT_TRUE(filter_covered(hash, "a/#"));
    EXPECT_TRUE(filter_covered(hash, "a/+/c"));
    EXPECT_TRUE(filter_covered(hash, "a"));
    EXPECT_FALSE(filter_covered(hash, "#"));
    EXPECT_TRUE(filter_covered(tree_allowing({"#"}), "#"));
}

TEST(RuleTreeFilter, PlaceholdersDoNotCoverWildcardFilters) {
    const RuleTree tree = tree_allowing({"users/%u/#"});
    EXPECT_TRUE(filter_covered(tree, "users/alice/#"));
    EXPECT_FALSE(filter_covered(tree, "users/+/#"));
    EXPECT_FALSE(filter_covered(tree, "users/#"));
}

TEST(RuleTreeFilter, DollarFiltersNeedDollarRules) {
    EXPECT_FALSE(filter_covered(tree_allowing({"#"}), "$SYS/#"));
    EXPECT_TRUE(filter_covered(tree_allowing({"$SYS/#"}), "$SYS/broker/+"));
}

TEST(RuleTree, ActionsAndEffectsAreKeptApart) {
    RuleTree tree;
    tree.add("a/#", kPublish, Effect::Allow);
    tree.add("a/secret", kSubscribe, Effect::Deny);
    const Grants grants = tree.match_topic("a/secret", kSubject);
    EXPECT_TRUE(grants.allows(Action::Publish));
    EXPECT_FALSE(grants.allows(Action::Subscribe));
    EXPECT_TRUE(grants.denies(Action::Subscribe));
    EXPECT_FALSE(grants.denies(Action::Publish));
}
