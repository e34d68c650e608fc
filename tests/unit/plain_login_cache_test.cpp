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

TEST(PlainLoginCache, AMosquittoHashUserIsKeyedByItsHash) {
    // `mosquitto_passwd -H sha512 -b pw bob b0b-secret` (Debian 12, mosquitto 2.0.11).
    std::string error;
    const auto hash = parse_user_credentials(
        "$6$uoDv7ArDoX+BswF8$"
        "pUwPy5PotQEcQ22Dw14kYQBUqJVRhz6XaAD6M6JHUYT0lXeT2oB1szcsGeFps35E9mhA7CL"
        "M33YKsWTKZ3TwKQ==",
        error);
    ASSERT_TRUE(hash) << error;
    PlainLoginCache cache;
    const SaslUser bob{"bob", SaslType::Plain, *hash, std::nullopt};
    cache.remember(bob, "b0b-secret");
    EXPECT_TRUE(cache.contains(bob, "b0b-secret"));
    EXPECT_FALSE(cache.contains(bob, "other"));
    EXPECT_FALSE(cache.contains(user("bob", "b0b-secret"), "b0b-secret"));  // other credentials
}
