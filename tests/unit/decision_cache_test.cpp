// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "authorizers/decision_cache.h"

using namespace mqauth::authorizers;
using std::chrono::seconds;

namespace {

const Clock::time_point t0{seconds(1000)};

CacheInputs inputs(std::string_view password = "pw-secret-9", std::string_view client_id = "c1",
                   std::string_view username = "dev|authorizer-name=a") {
    return {
        "a",         "http://127.0.0.1:9000/auth", username, client_id, password, "", "127.0.0.2",
        std::nullopt};
}

}  // namespace

TEST(DecisionCache, TheKeyIsA32ByteHmacThatNeverHoldsThePassword) {
    DecisionCache cache;
    const std::string key = cache.key_for(inputs("pw-secret-9"));
    EXPECT_EQ(key.size(), 32u);
    EXPECT_EQ(key.find("pw-secret-9"), std::string::npos);
    EXPECT_EQ(key, cache.key_for(inputs("pw-secret-9")));
    EXPECT_NE(key, cache.key_for(inputs("pw-secret-8")));
    // Another process (another random key) computes other keys for the same inputs.
    EXPECT_NE(key, DecisionCache().key_for(inputs("pw-secret-9")));
}

TEST(DecisionCache, EveryInputTakesPartInTheKeyAndTheLengthPrefixKeepsFieldsApart) {
    DecisionCache cache;
    const std::string base = cache.key_for(inputs());
    CacheInputs other = inputs();
    other.certificate_fingerprint = "ab";
    EXPECT_NE(cache.key_for(other), base);
    other = inputs();
    other.func_urn = "http://127.0.0.1:9001/auth";
    EXPECT_NE(cache.key_for(other), base);
    other = inputs();
    other.client_address = "127.0.0.3";  // a function may admit one address only
    EXPECT_NE(cache.key_for(other), base);
    other = inputs();
    other.server_name = "a.example";  // ... or one server name
    EXPECT_NE(cache.key_for(other), base);
    other.server_name = "";  // an empty server name is not none
    EXPECT_NE(cache.key_for(other), base);
    other = inputs();
    other.password = std::nullopt;  // no password is not an empty one
    EXPECT_NE(cache.key_for(other), cache.key_for(inputs("")));
    // "c1" + "pw" and "c1p" + "w" must not collide.
    EXPECT_NE(cache.key_for(inputs("pw", "c1")), cache.key_for(inputs("w", "c1p")));
}

TEST(DecisionCache, AnAllowLivesForRefreshSeconds) {
    DecisionCache cache;
    const std::string key = cache.key_for(inputs());
    cache.store(key, "a", true, 60, t0);
    EXPECT_EQ(cache.lookup(key, t0 + seconds(59)), std::optional<bool>(true));
    EXPECT_EQ(cache.lookup(key, t0 + seconds(60)), std::nullopt);
    EXPECT_EQ(cache.size(), 0u);  // the expired entry went on lookup
}

TEST(DecisionCache, RefreshSecondsAreClampedAndDefaultTo300) {
    EXPECT_EQ(cache_lifetime(true, std::nullopt), seconds(300));
    EXPECT_EQ(cache_lifetime(true, 1), seconds(1));
    EXPECT_EQ(cache_lifetime(true, 86400), seconds(86400));
    EXPECT_EQ(cache_lifetime(true, 1'000'000'000'000ULL), seconds(86400));
    EXPECT_EQ(cache_lifetime(true, 0), seconds(0));  // the function asked not to cache it

    DecisionCache cache;
    const std::string key = cache.key_for(inputs());
    cache.store(key, "a", true, UINT64_MAX, t0);
    EXPECT_TRUE(cache.lookup(key, t0 + seconds(86399)));
    EXPECT_FALSE(cache.lookup(key, t0 + seconds(86400)));
}

TEST(DecisionCache, ADenialIsCachedAtMost30Seconds) {
    EXPECT_EQ(cache_lifetime(false, std::nullopt), seconds(30));
    EXPECT_EQ(cache_lifetime(false, 3600), seconds(30));
    EXPECT_EQ(cache_lifetime(false, 10), seconds(10));

    DecisionCache cache;
    const std::string key = cache.key_for(inputs());
    cache.store(key, "a", false, 3600, t0);
    EXPECT_EQ(cache.lookup(key, t0 + seconds(29)), std::optional<bool>(false));
    EXPECT_EQ(cache.lookup(key, t0 + seconds(30)), std::nullopt);
}

TEST(DecisionCache, ZeroRefreshSecondsStoresNothingAndForgetsAnOlderEntry) {
    DecisionCache cache;
    const std::string key = cache.key_for(inputs());
    cache.store(key, "a", true, 60, t0);
    cache.store(key, "a", true, 0, t0);
    EXPECT_FALSE(cache.lookup(key, t0));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(DecisionCache, ItNeverHoldsMoreThanItsCapacityAndEvictsTheOldestFirst) {
    DecisionCache cache(3);
    std::vector<std::string> keys;
    for (int i = 0; i < 5; ++i) {
        keys.push_back(cache.key_for(inputs("pw", "c" + std::to_string(i))));
        cache.store(keys.back(), "a", true, 60, t0 + seconds(i));
        EXPECT_LE(cache.size(), 3u);
    }
    EXPECT_FALSE(cache.lookup(keys[0], t0 + seconds(5)));
    EXPECT_FALSE(cache.lookup(keys[1], t0 + seconds(5)));
    EXPECT_TRUE(cache.lookup(keys[4], t0 + seconds(5)));
}

TEST(DecisionCache, ExpiredEntriesMakeRoomBeforeLiveOnes) {
    DecisionCache cache(2);
    const std::string short_lived = cache.key_for(inputs("pw", "short"));
    const std::string long_lived = cache.key_for(inputs("pw", "long"));
    const std::string fresh = cache.key_for(inputs("pw", "fresh"));
    cache.store(short_lived, "a", false, 5, t0);
    cache.store(long_lived, "a", true, 600, t0);
    cache.store(fresh, "a", true, 600, t0 + seconds(10));
    EXPECT_TRUE(cache.lookup(long_lived, t0 + seconds(10)));
    EXPECT_TRUE(cache.lookup(fresh, t0 + seconds(10)));
}

TEST(DecisionCache, DroppingAnAuthorizerDropsOnlyItsEntries) {
    DecisionCache cache;
    CacheInputs of_b = inputs();
    of_b.authorizer_name = "b";
    const std::string key_a = cache.key_for(inputs());
    const std::string key_b = cache.key_for(of_b);
    cache.store(key_a, "a", true, 60, t0);
    cache.store(key_b, "b", true, 60, t0);
    cache.drop_authorizer("a");
    EXPECT_FALSE(cache.lookup(key_a, t0));
    EXPECT_TRUE(cache.lookup(key_b, t0));
    EXPECT_EQ(cache.size(), 1u);
}
