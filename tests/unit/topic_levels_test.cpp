// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "permissions/topic_levels.h"

using namespace mqauth::permissions;

namespace {

std::vector<std::string> levels_of(std::string_view text) {
    std::vector<std::string> out;
    TopicLevels levels(text);
    while (!levels.done()) out.emplace_back(levels.next());
    return out;
}

}  // namespace

TEST(TopicLevels, SplitsOnSlashesKeepingEmptyLevels) {
    EXPECT_EQ(levels_of("a/b/c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(levels_of("/a//b/"), (std::vector<std::string>{"", "a", "", "b", ""}));
    EXPECT_EQ(levels_of("a"), (std::vector<std::string>{"a"}));
}

TEST(RuleFilterError, AcceptsValidFilters) {
    for (const char* filter : {"a", "a/b", "#", "+", "a/+/c", "a/#", "+/+/#", "devices/%c/#",
                               "users/%u", "$SYS/#", "/a", "a//b", "100%"}) {
        EXPECT_FALSE(rule_filter_error(filter)) << filter;
    }
}

TEST(RuleFilterError, RefusesInvalidFilters) {
    for (const char* filter : {"", "a/#/b", "#/a", "a+", "a/b+/c", "a#", "+a", "a/%ux", "x%c"}) {
        EXPECT_TRUE(rule_filter_error(filter)) << filter;
    }
}

TEST(RuleFilterError, RefusesMoreThan128Levels) {
    std::string deep = "a";
    for (int i = 0; i < 128; ++i) deep += "/a";
    EXPECT_TRUE(rule_filter_error(deep));
}

TEST(StripSharedSubscription, RemovesTheShareGroup) {
    EXPECT_EQ(strip_shared_subscription("$share/g/a/b"), "a/b");
    EXPECT_EQ(strip_shared_subscription("$share/g/#"), "#");
    EXPECT_EQ(strip_shared_subscription("a/b"), "a/b");
    EXPECT_EQ(strip_shared_subscription("$share/g"), "$share/g");
}
