#include <gtest/gtest.h>

#include "sasl/plain_login_cache.h"

using mqauth::sasl::PlainLoginCache;

TEST(PlainLoginCache, RemembersExactPairsOnly) {
    PlainLoginCache cache;
    cache.remember("alice", "pw");
    EXPECT_TRUE(cache.contains("alice", "pw"));
    EXPECT_FALSE(cache.contains("alice", "pw2"));
    EXPECT_FALSE(cache.contains("alic", "epw"));  // the length prefix keeps fields apart
    cache.clear();
    EXPECT_FALSE(cache.contains("alice", "pw"));
}

TEST(PlainLoginCache, EmptiesItselfWhenFull) {
    PlainLoginCache cache(2);
    cache.remember("a", "1");
    cache.remember("b", "2");
    cache.remember("c", "3");
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_TRUE(cache.contains("c", "3"));
}
