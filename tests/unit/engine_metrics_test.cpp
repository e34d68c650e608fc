// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "identities/signed_password.h"
#include "metric_values.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;
using metric_values::value;

namespace {

const std::string kPolicy =
    "version: 1\n"
    "identities:\n"
    "  - {username: app, identity_type: USER, secret: app-secret, sign_mode: ORIGIN}\n"
    "  - {username: fleet, identity_type: USER, secret: fleet-secret, sign_mode: SIGNED}\n"
    "permissions:\n"
    "  rules:\n"
    "    - {identity_type: USER, identity: app, topic: \"t/#\", permit_action: PUB, "
    "effect: ALLOW}\n"
    "sasl_users:\n"
    "  - {username: bob, password: bob-pw}\n"
    "throttling: {max_failures: 2, address_max_failures: 100, window_seconds: 60, "
    "backoff_seconds: 600}\n";

ConnectRequest login(ConnectionId connection, std::string_view client_id,
                     std::optional<std::string_view> username,
                     std::optional<std::string_view> password) {
    ConnectRequest request;
    request.connection = connection;
    request.client_id = client_id;
    request.username = username;
    request.password = password;
    request.address = "10.0.0.1";
    return request;
}

}  // namespace

TEST(EngineMetrics, CountsConnectDecisionsByMechanismResultAndReason) {
    Engine engine(test_policy::policy_from(kPolicy));
    engine.authenticate(login(1, "c1", "app", "app-secret"));
    engine.authenticate(login(2, "c2", "app", "wrong"));
    const std::string signed_c3 = identities::signed_password("fleet-secret", "c3");
    engine.authenticate(login(3, "c3", "fleet", signed_c3));
    engine.authenticate(login(4, "c4", "bob", "bob-pw"));
    engine.authenticate(login(5, "c5", "nobody", "x"));
    engine.authenticate(login(6, "c6", std::nullopt, std::nullopt));
    const std::string name = "mqauth_connect_decisions_total";
    EXPECT_EQ(value(engine, name, {"identity_origin", "allow", "none"}), 1);
    EXPECT_EQ(value(engine, name, {"identity_origin", "deny", "bad_password"}), 1);
    EXPECT_EQ(value(engine, name, {"identity_signed", "allow", "none"}), 1);
    EXPECT_EQ(value(engine, name, {"sasl_plain", "allow", "none"}), 1);
    EXPECT_EQ(value(engine, name, {"unknown", "deny", "unknown_username"}), 1);
    EXPECT_EQ(value(engine, name, {"anonymous", "deny", "anonymous_denied"}), 1);
    EXPECT_EQ(value(engine, name, {"certificate", "allow", "none"}), 0);
    EXPECT_EQ(value(engine, "mqauth_connect_decision_seconds_count"), 6);
}

TEST(EngineMetrics, AnonymousAndSignedLoginsAreCountedAndLive) {
    Engine engine(test_policy::policy_from(kPolicy + "anonymous: allow\n"));
    ASSERT_EQ(engine.authenticate(login(1, "c1", std::nullopt, std::nullopt)).verdict,
              Verdict::Allow);
    const std::string signed_c2 = identities::signed_password("fleet-secret", "c2");
    ASSERT_EQ(engine.authenticate(login(2, "c2", "fleet", signed_c2)).verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(login(3, "c3", "fleet", signed_c2)).verdict, Verdict::Deny);
    const std::string name = "mqauth_connect_decisions_total";
    EXPECT_EQ(value(engine, name, {"anonymous", "allow", "none"}), 1);
    EXPECT_EQ(value(engine, name, {"identity_signed", "allow", "none"}), 1);
    EXPECT_EQ(value(engine, name, {"identity_signed", "deny", "bad_password"}), 1);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"anonymous"}), 1);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"identity_signed"}), 1);
}

TEST(EngineMetrics, CountsTopicDecisionsAndTheCache) {
    Engine engine(test_policy::policy_from(kPolicy));
    ASSERT_EQ(engine.authenticate(login(1, "c1", "app", "app-secret")).verdict, Verdict::Allow);
    const auto publish = [&](std::string_view topic) {
        return engine.authorize({1, permissions::Access::Publish, topic, "app", "c1"}).verdict;
    };
    EXPECT_EQ(publish("t/a"), Verdict::Allow);
    EXPECT_EQ(publish("t/a"), Verdict::Allow);  // from the cache
    EXPECT_EQ(publish("u/a"), Verdict::Deny);
    EXPECT_EQ(value(engine, "mqauth_topic_decisions_total", {"publish", "allow"}), 2);
    EXPECT_EQ(value(engine, "mqauth_topic_decisions_total", {"publish", "deny"}), 1);
    EXPECT_EQ(value(engine, "mqauth_topic_cache_lookups_total", {"hit"}), 1);
    EXPECT_EQ(value(engine, "mqauth_topic_cache_lookups_total", {"miss"}), 2);
}

TEST(EngineMetrics, CountsThrottlingBackOffsAndRefusals) {
    Engine engine(test_policy::policy_from(kPolicy));
    for (ConnectionId id = 1; id <= 3; ++id) engine.authenticate(login(id, "c", "app", "wrong"));
    EXPECT_EQ(value(engine, "mqauth_throttle_backoffs_total"), 2);  // the device and the username
    EXPECT_EQ(value(engine, "mqauth_throttle_refused_total"), 1);
    EXPECT_GT(value(engine, "mqauth_throttle_tracked_entries"), 0);
    EXPECT_EQ(
        value(engine, "mqauth_connect_decisions_total", {"identity_origin", "deny", "throttled"}),
        1);
}

TEST(EngineMetrics, TheSizesAndGenerationOfThePolicyInForce) {
    Engine engine(test_policy::policy_from(kPolicy));
    EXPECT_EQ(value(engine, "mqauth_policy_generation"), 1);
    EXPECT_EQ(value(engine, "mqauth_policy_entries", {"identities"}), 2);
    EXPECT_EQ(value(engine, "mqauth_policy_entries", {"rules"}), 1);
    EXPECT_EQ(value(engine, "mqauth_policy_entries", {"sasl_users"}), 1);
    engine.replace_policy(test_policy::policy_from("version: 1\n"));
    EXPECT_EQ(value(engine, "mqauth_policy_generation"), 2);
    EXPECT_EQ(value(engine, "mqauth_policy_entries", {"identities"}), 0);
}

TEST(EngineMetrics, LiveClientsFollowLoginsDisconnectsAndReloads) {
    Engine engine(test_policy::policy_from(kPolicy));
    ASSERT_EQ(engine.authenticate(login(1, "c1", "app", "app-secret")).verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(login(2, "c2", "app", "app-secret")).verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(login(3, "c3", "bob", "bob-pw")).verdict, Verdict::Allow);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"identity_origin"}), 2);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"sasl_plain"}), 1);
    engine.disconnected(1);  // offline: no longer live
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"identity_origin"}), 1);
    engine.session_ended(1);  // and gone: counted once only
    engine.forget(3);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"identity_origin"}), 1);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"sasl_plain"}), 0);
    // The same connection logging in again replaces its session rather than adding one.
    ASSERT_EQ(engine.authenticate(login(2, "c2", "app", "app-secret")).verdict, Verdict::Allow);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"identity_origin"}), 1);
}
