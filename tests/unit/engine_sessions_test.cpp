// SPDX-License-Identifier: Apache-2.0
// Sessions outlive their connections: Mosquitto keeps persistent sessions offline, checks topic
// access for what it queues for them, and re-checks every session it holds after a reload. A
// re-check is answered from the session, never as a login, and an offline session is never
// refused (Mosquitto 2.0 corrupts its session-expiry list when one is).
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

using test_policy::policy_from;

const char* const kPolicy = R"(version: 1
identities:
  - {username: solo, identity_type: USER, secret: solo-secret, sign_mode: ORIGIN}
permissions:
  no_match: DENY
  rules:
    - {identity_type: USER, identity: solo, topic: "t/#", permit_action: PUB_SUB, effect: ALLOW}
throttling: {max_failures: 1}
)";

// The same file without solo's identity (its rules stay).
const char* const kWithoutSolo = R"(version: 1
permissions:
  no_match: DENY
  rules:
    - {identity_type: USER, identity: solo, topic: "t/#", permit_action: PUB_SUB, effect: ALLOW}
)";

ConnectRequest login(ConnectionId connection, std::optional<std::string_view> password) {
    return ConnectRequest{connection, "c1", "solo", password};
}

// What Mosquitto sends for an offline session after a reload: its username, no password.
ConnectRequest offline_recheck(ConnectionId connection) {
    ConnectRequest request{connection, "c1", "solo", std::nullopt};
    request.link = Link::Offline;
    return request;
}

AccessRequest deliver(ConnectionId connection) {
    return AccessRequest{connection, permissions::Access::Deliver, "t/x", "solo", "c1"};
}

class EngineSessions : public ::testing::Test {
   protected:
    Engine engine{policy_from(kPolicy)};

    void admit_then_disconnect(ConnectionId connection) {
        ASSERT_EQ(engine.authenticate(login(connection, "solo-secret")).verdict, Verdict::Allow);
        engine.disconnected(connection);
    }
};

}  // namespace

TEST_F(EngineSessions, AnOfflineSessionKeepsItsTopicAccess) {
    admit_then_disconnect(1);
    EXPECT_EQ(engine.authorize(deliver(1)).verdict, Verdict::Allow);
    EXPECT_EQ(engine.live_client_count(), 0u);  // offline is not live
}

TEST_F(EngineSessions, TheRecheckOfAnOfflineSessionIsAllowedWithoutItsPassword) {
    admit_then_disconnect(1);
    engine.begin_session_recheck();
    EXPECT_EQ(engine.authenticate(offline_recheck(1)).verdict, Verdict::Allow);
    engine.end_session_recheck();
    EXPECT_NE(engine.admitted_username(1), nullptr);
}

TEST_F(EngineSessions, DuringTheSweepAnOfflineSessionIsRecheckedEvenWhenItsSocketIsUnknown) {
    admit_then_disconnect(1);
    engine.begin_session_recheck();  // the broker serves no CONNECT until the sweep ends
    EXPECT_EQ(engine.authenticate(login(1, std::nullopt)).verdict, Verdict::Allow);
    engine.end_session_recheck();
    EXPECT_NE(engine.admitted_username(1), nullptr);
}

// A sweep that never closes (2.0.11 sends no TICK with per_listener_settings true) must not let
// a new connection on a freed session's address in without credentials.
TEST_F(EngineSessions, ANewConnectionDuringAnOpenSweepIsStillALogin) {
    admit_then_disconnect(1);
    engine.begin_session_recheck();
    ConnectRequest fresh = login(1, std::nullopt);
    fresh.link = Link::Connected;
    EXPECT_EQ(engine.authenticate(fresh).reason, Reason::MissingPassword);
}

TEST_F(EngineSessions, RechecksAreNeitherThrottledNorCounted) {
    admit_then_disconnect(1);
    ASSERT_EQ(engine.authenticate(login(2, "wrong")).reason, Reason::BadPassword);
    ASSERT_EQ(engine.authenticate(login(3, "solo-secret")).reason, Reason::Throttled);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(engine.authenticate(offline_recheck(1)).verdict, Verdict::Allow);
    }
}

TEST_F(EngineSessions, AnOnlineSessionIsRecheckedFromItsSessionNotItsPassword) {
    ASSERT_EQ(engine.authenticate(login(1, "solo-secret")).verdict, Verdict::Allow);
    // Mosquitto sends the password the client connected with; here it sends none at all.
    EXPECT_EQ(engine.authenticate(login(1, std::nullopt)).verdict, Verdict::Allow);
}

TEST_F(EngineSessions, ASessionRestoredFromPersistenceIsNeverRefusedNorRemembered) {
    EXPECT_EQ(engine.authenticate(offline_recheck(9)).verdict, Verdict::Allow);
    EXPECT_EQ(engine.admitted_username(9), nullptr);
}

TEST_F(EngineSessions, ANewConnectionOnAFreedSessionsAddressIsALogin) {
    admit_then_disconnect(1);
    EXPECT_EQ(engine.authenticate(login(1, std::nullopt)).reason, Reason::MissingPassword);
    EXPECT_EQ(engine.admitted_username(1), nullptr);
}

TEST_F(EngineSessions, ASecondDisconnectEndsAnOfflineSession) {
    admit_then_disconnect(1);
    engine.disconnected(1);  // a new connection took its client id over
    EXPECT_EQ(engine.admitted_username(1), nullptr);
}

TEST_F(EngineSessions, TheSweepDropsOfflineSessionsTheBrokerNoLongerHolds) {
    admit_then_disconnect(1);
    admit_then_disconnect(2);
    ASSERT_EQ(engine.authenticate(login(3, "solo-secret")).verdict, Verdict::Allow);
    engine.begin_session_recheck();
    EXPECT_EQ(engine.authenticate(offline_recheck(1)).verdict, Verdict::Allow);
    // Session 2 expired in the broker: it is not re-checked. Online session 3 was not re-checked
    // either (no such broker), but an online session is only dropped by its DISCONNECT.
    engine.end_session_recheck();
    EXPECT_NE(engine.admitted_username(1), nullptr);
    EXPECT_EQ(engine.admitted_username(2), nullptr);
    EXPECT_NE(engine.admitted_username(3), nullptr);
}

TEST_F(EngineSessions, AReloadWithdrawsAnOfflineSessionWithoutDisconnectingIt) {
    admit_then_disconnect(1);
    const auto withdrawn = engine.replace_policy(policy_from(kWithoutSolo));
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].reason, Reason::IdentityRemoved);
    EXPECT_FALSE(withdrawn[0].online);
    // It receives nothing more, although solo's rules remain...
    EXPECT_EQ(engine.authorize(deliver(1)).verdict, Verdict::Deny);
    // ... and is still never refused on a re-check, nor withdrawn twice.
    EXPECT_EQ(engine.authenticate(offline_recheck(1)).verdict, Verdict::Allow);
    EXPECT_TRUE(engine.replace_policy(policy_from(kPolicy)).empty());
    EXPECT_EQ(engine.authorize(deliver(1)).verdict, Verdict::Deny);
}

TEST_F(EngineSessions, AWithdrawnOnlineSessionIsRefusedUntilItsDisconnectThenKeepsNoAccess) {
    ASSERT_EQ(engine.authenticate(login(1, "solo-secret")).verdict, Verdict::Allow);
    const auto withdrawn = engine.replace_policy(policy_from(kWithoutSolo));
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_TRUE(withdrawn[0].online);
    EXPECT_EQ(engine.authenticate(login(1, "solo-secret")).reason, Reason::IdentityRemoved);
    engine.disconnected(1);  // the adapter's kick; Mosquitto may keep the session
    EXPECT_EQ(engine.authorize(deliver(1)).verdict, Verdict::Deny);
    EXPECT_EQ(engine.live_client_count(), 0u);
}
