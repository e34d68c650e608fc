// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/loader.h"
#include "engine/access_cache.h"
#include "engine/engine.h"

using namespace mqauth;
using namespace mqauth::engine;
using permissions::Access;

TEST(AccessCache, RemembersByAccessTopicAndGeneration) {
    AccessCache cache;
    cache.store(Access::Publish, "a/b", 1, true);
    EXPECT_EQ(cache.lookup(Access::Publish, "a/b", 1), true);
    EXPECT_FALSE(cache.lookup(Access::Deliver, "a/b", 1));
    EXPECT_FALSE(cache.lookup(Access::Publish, "a/c", 1));
    EXPECT_FALSE(cache.lookup(Access::Publish, "a/b", 2));
}

TEST(AccessCache, KeepsTheMostRecentEntries) {
    AccessCache cache;
    for (std::size_t i = 0; i <= AccessCache::kEntries; ++i) {
        cache.store(Access::Publish, "t/" + std::to_string(i), 1, true);
    }
    EXPECT_FALSE(cache.lookup(Access::Publish, "t/0", 1));
    EXPECT_TRUE(cache.lookup(Access::Publish, "t/" + std::to_string(AccessCache::kEntries), 1));
}

TEST(AccessCache, DoesNotKeepVeryLongTopics) {
    AccessCache cache;
    const std::string topic(AccessCache::kMaxTopicBytes + 1, 'a');
    cache.store(Access::Publish, topic, 1, true);
    EXPECT_FALSE(cache.lookup(Access::Publish, topic, 1));
}

namespace {

std::shared_ptr<const Policy> policy_with_effect(const char* effect) {
    config::LoadResult result = config::load_text(
        std::string("version: 1\nidentities:\n"
                    "  - {username: u, identity_type: CLIENT, client_id: c1, secret: s, "
                    "sign_mode: ORIGIN}\npermissions:\n  rules:\n"
                    "    - {identity_type: CLIENT, identity: c1, topic: a/#, permit_action: PUB, "
                    "effect: ") +
            effect + "}\n",
        "auth.yaml", ".");
    EXPECT_TRUE(result.ok());
    return result.policy;
}

AccessRequest publish(ConnectionId connection, std::string_view client_id) {
    return AccessRequest{connection, Access::Publish, "a/b", "u", client_id};
}

// The CLIENT identity of c1: its login proves the client id, so CLIENT rules apply.
ConnectRequest login_as_c1(ConnectionId connection) {
    return ConnectRequest{connection, "c1", "u", "s"};
}

}  // namespace

TEST(EngineAccessCache, AReloadChangesTheAnswerForACachedTopic) {
    Engine engine(policy_with_effect("ALLOW"));
    ASSERT_EQ(engine.authenticate(login_as_c1(1)).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authorize(publish(1, "c1")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authorize(publish(1, "c1")).verdict, Verdict::Allow);  // from the cache
    engine.replace_policy(policy_with_effect("DENY"));
    EXPECT_EQ(engine.authorize(publish(1, "c1")).verdict, Verdict::Deny);
}

TEST(EngineAccessCache, AnotherClientIsNeverAnsweredFromTheCache) {
    Engine engine(policy_with_effect("ALLOW"));
    ASSERT_EQ(engine.authenticate(login_as_c1(1)).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authorize(publish(1, "c1")).verdict, Verdict::Allow);
    // The same connection value but another client id (a stale pointer must not leak access).
    EXPECT_EQ(engine.authorize(publish(1, "c2")).verdict, Verdict::Deny);
    // A connection the engine never admitted is checked afresh, and proved no client id: the
    // CLIENT rules of c1 do not apply to it.
    EXPECT_EQ(engine.authorize(publish(7, "c1")).verdict, Verdict::Deny);
}
