// SPDX-License-Identifier: Apache-2.0
// `unknown_usernames: next_plugin`: a CONNECT whose username mqauth has no entry for, and then
// every topic check of that client, is left to the next plugin; everything mqauth knows it
// still decides itself.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "metric_values.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

using metric_values::value;
using test_policy::policy_from;

const std::string kIdentitiesAndUsers = R"(
anonymous: deny
identities:
  - {username: meter, identity_type: USER, secret: meter-secret, sign_mode: ORIGIN}
  - {username: pump, identity_type: CLIENT, client_id: pump-1, secret: pump-secret, sign_mode: ORIGIN}
sasl_users:
  - {username: bob, type: plain, password: bob-secret}
)";
const std::string kPermissions = R"(permissions:
  no_match: DENY
  rules:
    - {identity_type: USER, identity: meter, topic: "meters/#", permit_action: PUB, effect: ALLOW}
)";

// The policy with this unknown_usernames, and one more SASL user line when given.
std::shared_ptr<const Policy> policy(const std::string& unknown_usernames = "next_plugin",
                                     const std::string& more_sasl_users = "") {
    return policy_from("version: 1\nunknown_usernames: " + unknown_usernames + kIdentitiesAndUsers +
                       more_sasl_users + kPermissions);
}

ConnectRequest login(ConnectionId connection, std::string_view client_id,
                     std::optional<std::string_view> username,
                     std::optional<std::string_view> password) {
    return ConnectRequest{connection, client_id, username, password};
}

AccessRequest publish(ConnectionId connection, std::string_view username,
                      std::string_view client_id, std::string_view topic) {
    AccessRequest request;
    request.connection = connection;
    request.access = permissions::Access::Publish;
    request.topic = topic;
    request.username = username;
    request.client_id = client_id;
    return request;
}

}  // namespace

TEST(EngineNextPlugin, AnUnknownUsernameIsLeftToTheNextPluginUncountedByThrottling) {
    Engine engine(policy());
    for (ConnectionId connection = 1; connection <= 20; ++connection) {
        const Decision decision =
            engine.authenticate(login(connection, "legacy-1", "legacy", "whatever"));
        EXPECT_EQ(decision.verdict, Verdict::NextPlugin);
        EXPECT_EQ(decision.reason, Reason::UnknownUsername);
    }
    EXPECT_EQ(value(engine, "mqauth_connect_decisions_total",
                    {"unknown", "next_plugin", "unknown_username"}),
              20);
    EXPECT_EQ(value(engine, "mqauth_throttle_backoffs_total"), 0);
    EXPECT_EQ(engine.live_client_count(), 0u);
}

TEST(EngineNextPlugin, UsernamesMqauthKnowsAreDecidedByMqauth) {
    Engine engine(policy());
    EXPECT_EQ(engine.authenticate(login(1, "m1", "meter", "wrong")).reason, Reason::BadPassword);
    EXPECT_EQ(engine.authenticate(login(2, "b1", "bob", "wrong")).reason, Reason::BadPassword);
    EXPECT_EQ(engine.authenticate(login(3, "p2", "pump", "pump-secret")).reason,
              Reason::ClientIdNotBound);
    EXPECT_EQ(engine.authenticate(login(4, "a1", std::nullopt, std::nullopt)).reason,
              Reason::AnonymousDenied);
    // A client id a CLIENT identity reserves stays its, whoever the username claims to be.
    EXPECT_EQ(engine.authenticate(login(5, "pump-1", "legacy", "x")).reason,
              Reason::ClientIdReserved);
    EXPECT_EQ(engine.authenticate(login(6, "m1", "meter", "meter-secret")).verdict, Verdict::Allow);
}

// An address backed off for its failed logins is refused whatever username comes from it: a
// guesser there does not get to try the next plugin's users instead (README: what it lets
// through).
TEST(EngineNextPlugin, AnAddressMqauthIsThrottlingIsRefusedEvenForUsernamesItLeavesToTheNext) {
    Engine engine(
        policy_from("version: 1\nunknown_usernames: next_plugin\n"
                    "throttling: {address_max_failures: 3}\n" +
                    kIdentitiesAndUsers + kPermissions));
    const auto from = [](ConnectRequest request, std::string_view address) {
        request.address = address;
        return request;
    };
    for (ConnectionId connection = 1; connection <= 3; ++connection) {
        const std::string client_id = "m" + std::to_string(connection);
        EXPECT_EQ(
            engine.authenticate(from(login(connection, client_id, "meter", "wrong"), "10.0.0.9"))
                .reason,
            Reason::BadPassword);
    }
    EXPECT_EQ(engine.authenticate(from(login(4, "legacy-1", "legacy", "x"), "10.0.0.9")).reason,
              Reason::Throttled);
    EXPECT_EQ(engine.authenticate(from(login(5, "legacy-1", "legacy", "x"), "10.0.0.10")).verdict,
              Verdict::NextPlugin);
}

TEST(EngineNextPlugin, TopicChecksOfClientsMqauthDidNotAdmitAreLeftToTheNextPlugin) {
    Engine engine(policy());
    ASSERT_EQ(engine.authenticate(login(1, "legacy-1", "legacy", "x")).verdict,
              Verdict::NextPlugin);
    EXPECT_TRUE(engine.leaves_to_next_plugin(1));
    EXPECT_EQ(engine.authorize(publish(1, "legacy", "legacy-1", "meters/1")).verdict,
              Verdict::NextPlugin);
    EXPECT_EQ(value(engine, "mqauth_topic_decisions_total", {"publish", "next_plugin"}), 1);
    for (const auto access : {permissions::Access::Subscribe, permissions::Access::Deliver}) {
        AccessRequest request = publish(1, "legacy", "legacy-1", "meters/1");
        request.access = access;
        EXPECT_EQ(engine.authorize(request).verdict, Verdict::NextPlugin);
    }
    EXPECT_EQ(value(engine, "mqauth_topic_decisions_total", {"subscribe", "next_plugin"}), 1);
    EXPECT_EQ(value(engine, "mqauth_topic_decisions_total", {"deliver", "next_plugin"}), 1);

    ASSERT_EQ(engine.authenticate(login(2, "m1", "meter", "meter-secret")).verdict, Verdict::Allow);
    EXPECT_FALSE(engine.leaves_to_next_plugin(2));
    EXPECT_EQ(engine.authorize(publish(2, "meter", "m1", "meters/1")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authorize(publish(2, "meter", "m1", "other")).verdict, Verdict::Deny);
}

TEST(EngineNextPlugin, AReloadThatAddsTheUsernameMakesItMqauthsAndOneThatDropsTheOptionRefuses) {
    Engine engine(policy());
    ASSERT_EQ(engine.authenticate(login(1, "legacy-1", "legacy", "old")).verdict,
              Verdict::NextPlugin);
    ASSERT_EQ(engine.authenticate(login(2, "other-1", "other", "x")).verdict, Verdict::NextPlugin);
    // The client the reload makes mqauth's is withdrawn (the broker re-checked it under the
    // policy in force before the swap); the other stays the next plugin's.
    const std::vector<Withdrawal> withdrawn = engine.replace_policy(
        policy("next_plugin", "  - {username: legacy, type: plain, password: new}\n"), nullptr);
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "legacy-1");
    EXPECT_EQ(withdrawn[0].reason, Reason::CredentialsChanged);
    // Mosquitto re-checks the connected client with the password it keeps.
    EXPECT_EQ(engine.authenticate(login(1, "legacy-1", "legacy", "old")).reason,
              Reason::BadPassword);
    EXPECT_EQ(engine.authenticate(login(1, "legacy-1", "legacy", "new")).verdict, Verdict::Allow);

    // Switched off (and legacy's SASL user gone again): both are withdrawn.
    const std::vector<Withdrawal> switched_off = engine.replace_policy(policy("refuse"), nullptr);
    ASSERT_EQ(switched_off.size(), 2u);
    const auto other =
        std::find_if(switched_off.begin(), switched_off.end(),
                     [](const Withdrawal& each) { return each.client_id == "other-1"; });
    ASSERT_NE(other, switched_off.end());
    EXPECT_EQ(other->reason, Reason::UnknownUsername);
    EXPECT_EQ(engine.authenticate(login(3, "x-1", "stranger", "x")).reason,
              Reason::UnknownUsername);
    EXPECT_FALSE(engine.leaves_to_next_plugin(3));
    EXPECT_EQ(engine.authorize(publish(3, "stranger", "x-1", "meters/1")).verdict, Verdict::Deny);
}

TEST(EngineNextPlugin, AClientIdAReloadReservesIsTakenBackAndADisconnectedClientIsForgotten) {
    Engine engine(policy());
    ASSERT_EQ(engine.authenticate(login(1, "valve-1", "legacy", "x")).verdict, Verdict::NextPlugin);
    ASSERT_EQ(engine.authenticate(login(2, "valve-2", "legacy", "x")).verdict, Verdict::NextPlugin);
    engine.disconnected(2);
    const std::string valve_identities =
        "identities:\n"
        "  - {username: valve, identity_type: CLIENT, client_id: valve-1, secret: s, "
        "sign_mode: ORIGIN}\n"
        "  - {username: valve, identity_type: CLIENT, client_id: valve-2, secret: s, "
        "sign_mode: ORIGIN}\n";
    const std::vector<Withdrawal> withdrawn = engine.replace_policy(
        policy_from("version: 1\nunknown_usernames: next_plugin\n" + valve_identities), nullptr);
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "valve-1");
    EXPECT_EQ(withdrawn[0].reason, Reason::ClientIdReserved);
}

TEST(EngineNextPlugin, RefuseIsTheDefault) {
    Engine engine(policy_from("version: 1\npermissions: {}\n"));
    EXPECT_EQ(engine.authenticate(login(1, "c", "ghost", "x")).verdict, Verdict::Deny);
    EXPECT_FALSE(engine.leaves_to_next_plugin(1));
}
