// SPDX-License-Identifier: Apache-2.0
// A client never gains permissions through a client id it has not proven: a client id that a
// CLIENT identity names is reserved to it, and CLIENT rules apply only to proven client ids.
#include <gtest/gtest.h>

#include <string>

#include "engine/engine.h"
#include "identities/signed_password.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

using test_policy::policy_from;

const char* const kIdentities = R"(version: 1
identities:
  - {username: gateway, identity_type: CLIENT, client_id: gw, secret: gw-secret, sign_mode: ORIGIN}
  - {username: demo, identity_type: USER, secret: demo-secret, sign_mode: ORIGIN}
  - {username: fleet, identity_type: USER, secret: fleet-secret, sign_mode: SIGNED}
sasl_users:
  - {username: kafka, type: plain, password: kafka-secret}
)";

const char* const kRules = R"(permissions:
  rules:
    - {identity_type: CLIENT, identity: dev7, topic: "commands/#", permit_action: PUB, effect: ALLOW}
)";

ConnectRequest login(ConnectionId connection, std::string_view client_id,
                     std::optional<std::string_view> username,
                     std::optional<std::string_view> password) {
    return ConnectRequest{connection, client_id, username, password};
}

AccessRequest publish(ConnectionId connection, std::string_view username,
                      std::string_view client_id) {
    return AccessRequest{connection, permissions::Access::Publish, "commands/x", username,
                         client_id};
}

class EngineClientIds : public ::testing::Test {
   protected:
    Engine engine{policy_from(std::string(kIdentities) + kRules)};
};

}  // namespace

TEST_F(EngineClientIds, TheClientIdentityOwningAClientIdLogsInWithIt) {
    EXPECT_EQ(engine.authenticate(login(1, "gw", "gateway", "gw-secret")).verdict, Verdict::Allow);
}

TEST_F(EngineClientIds, AnyOtherLoginWithAReservedClientIdIsRefused) {
    EXPECT_EQ(engine.authenticate(login(1, "gw", "demo", "demo-secret")).reason,
              Reason::ClientIdReserved);
    EXPECT_EQ(engine.authenticate(login(2, "gw", "kafka", "kafka-secret")).reason,
              Reason::ClientIdReserved);
    EXPECT_EQ(engine.authenticate(login(3, "gw", std::nullopt, std::nullopt)).reason,
              Reason::ClientIdReserved);
    EXPECT_EQ(
        engine.begin_enhanced_auth({4, "gw", "SCRAM-SHA-256", "n,,n=alice,r=abc"}).decision.reason,
        Reason::ClientIdReserved);
    EXPECT_EQ(engine.live_client_count(), 0u);
}

TEST_F(EngineClientIds, AReservedClientIdRefusalIsNoFailedLogin) {
    for (ConnectionId attempt = 1; attempt <= 20; ++attempt) {
        ASSERT_EQ(engine.authenticate(login(attempt, "gw", "demo", "demo-secret")).reason,
                  Reason::ClientIdReserved);
    }
    EXPECT_EQ(engine.authenticate(login(99, "demo-1", "demo", "demo-secret")).verdict,
              Verdict::Allow);
}

TEST_F(EngineClientIds, ClientRulesApplyToASignedPasswordButNotToAnOriginOne) {
    const std::string signed_dev7 = identities::signed_password("fleet-secret", "dev7");
    ASSERT_EQ(engine.authenticate(login(1, "dev7", "fleet", signed_dev7)).verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(login(2, "dev7", "demo", "demo-secret")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authorize(publish(1, "fleet", "dev7")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authorize(publish(2, "demo", "dev7")).verdict, Verdict::Deny);
}

TEST_F(EngineClientIds, AReloadThatReservesALiveClientsIdWithdrawsIt) {
    ASSERT_EQ(engine.authenticate(login(1, "dev7", "demo", "demo-secret")).verdict, Verdict::Allow);
    std::string reserving = std::string(kIdentities) + kRules;
    reserving.insert(reserving.find("sasl_users:"),
                     "  - {username: owner, identity_type: CLIENT, client_id: dev7, secret: o, "
                     "sign_mode: ORIGIN}\n");
    const auto withdrawn = engine.replace_policy(policy_from(reserving));
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].reason, Reason::ClientIdReserved);
}
