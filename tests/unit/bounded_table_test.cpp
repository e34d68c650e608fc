// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "throttling/bounded_table.h"

using mqauth::throttling::BoundedTable;

namespace {

// Longer than std::string's inline buffer, so a stale view of a freed key would read freed
// memory (the sanitizer build reports it).
std::string long_key(int i) {
    return "a-username-long-enough-to-live-on-the-heap-" + std::to_string(i);
}

}  // namespace

TEST(BoundedTable, TouchCreatesOnceAndFindReturnsTheSameValue) {
    BoundedTable<int> table(4);
    EXPECT_EQ(table.find("a"), nullptr);
    table.touch("a") = 7;
    ASSERT_NE(table.find("a"), nullptr);
    EXPECT_EQ(*table.find("a"), 7);
    table.touch("a") += 1;
    EXPECT_EQ(*table.find("a"), 8);
    EXPECT_EQ(table.size(), 1u);
}

TEST(BoundedTable, AFullTableForgetsTheLeastRecentlyUsedKey) {
    BoundedTable<int> table(2);
    table.touch("old") = 1;
    table.touch("new") = 2;
    ASSERT_NE(table.find("old"), nullptr);  // "old" is now the most recently used
    table.touch("third") = 3;
    EXPECT_EQ(table.find("new"), nullptr);
    EXPECT_NE(table.find("old"), nullptr);
    EXPECT_NE(table.find("third"), nullptr);
    EXPECT_EQ(table.size(), 2u);
}

TEST(BoundedTable, EraseAndShrinkingDropKeys) {
    BoundedTable<int> table(3);
    table.touch("a");
    table.touch("b");
    table.touch("c");
    table.erase("b");
    table.erase("absent");
    EXPECT_EQ(table.find("b"), nullptr);
    table.set_capacity(1);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_NE(table.find("c"), nullptr);
}

// The index keeps views of the keys the table owns: lookups by a caller's temporary string,
// evictions and erasures must leave no view behind.
TEST(BoundedTable, KeysSurviveLookupsByTemporariesAndManyEvictions) {
    BoundedTable<int> table(8);
    for (int i = 0; i < 1000; ++i) {
        table.touch(long_key(i)) = i;
        if (i % 3 == 0) table.erase(long_key(i - 1));
    }
    EXPECT_LE(table.size(), 8u);
    ASSERT_NE(table.find(long_key(999)), nullptr);
    EXPECT_EQ(*table.find(long_key(999)), 999);
    EXPECT_EQ(table.find(long_key(0)), nullptr);
}
