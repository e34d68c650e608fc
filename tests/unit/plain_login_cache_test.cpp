// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "sasl/plain_login_cache.h"

using namespace mqauth::sasl;

namespace {

SaslUser user(const std::string& name, const std::string& password = "pw") {
    return {name, SaslType::Plain, derive_credentials(Mechanism::ScramSha256, password, 4096)};
}

}  // namespace

TEST(PlainLoginCache, RemembersExactPairsOnly) {
    PlainLoginCache cache;
    const SaslUser alice = user("alice");
    cache.remember(alice, "pw");
    EXPECT_TRUE(cache.contains(alice, "pw"));
    EXPECT_FALSE(cache.contains(alice, "pw2"));
    SaslUser alic = alice;
    alic.username = "alic";
    EXPECT_FALSE(cache.contains(alic, "epw"));  // the length prefix keeps fields apart
    cache.clear();
    EXPECT_FALSE(cache.contains(alice, "pw"));
}

TEST(PlainLoginCache, AnEntryStopsMatchingWhenTheCredentialsChange) {
    PlainLoginCache cache;
    cache.remember(user("alice", "pw"), "pw");
    EXPECT_FALSE(cache.contains(user("alice", "other"), "pw"));
}

TEST(PlainLoginCache, EmptiesItselfWhenFull) {
    PlainLoginCache cache(2);
    const SaslUser a = user("a"), b = user("b"), c = user("c");
    cache.remember(a, "1");
    cache.remember(b, "2");
    cache.remember(c, "3");
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_TRUE(cache.contains(c, "3"));
}
