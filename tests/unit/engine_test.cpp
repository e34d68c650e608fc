// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>

#include "config/loader.h"
#include "engine/engine.h"
#include "identities/signed_password.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

using test_policy::policy_from;

const char* const kPolicy = R"(version: 1
anonymous: deny
identities:
  - username: fleet
    identity_type: USER
    secret: user-secret
    sign_mode: SIGNED
  - username: fleet
    identity_type: CLIENT
    client_id: dev1
    secret: client-secret
    sign_mode: ORIGIN
  - username: solo
    identity_type: CLIENT
    client_id: solo1
    secret: solo-secret
    sign_mode: ORIGIN
)";

ConnectRequest login(ConnectionId connection, std::string_view client_id,
                     std::optional<std::string_view> username,
                     std::optional<std::string_view> password) {
    return ConnectRequest{connection, client_id, username, password};
}

class EngineTest : public ::testing::Test {
   protected:
    Engine engine{policy_from(kPolicy)};
    const std::string signed_dev2 = identities::signed_password("user-secret", "dev2");
};

}  // namespace

TEST_F(EngineTest, AllowsASignedUserIdentity) {
    EXPECT_EQ(engine.authenticate(login(1, "dev2", "fleet", signed_dev2)).verdict, Verdict::Allow);
    EXPECT_EQ(engine.live_client_count(), 1u);
}

TEST_F(EngineTest, RefusesASignedPasswordReplayedWithAnotherClientId) {
    const Decision decision = engine.authenticate(login(1, "dev3", "fleet", signed_dev2));
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.reason, Reason::BadPassword);
    EXPECT_EQ(engine.live_client_count(), 0u);
}

TEST_F(EngineTest, ClientIdentityDecidesForItsClientIdAndTheUserSecretDoesNotWorkThere) {
    EXPECT_EQ(engine.authenticate(login(1, "dev1", "fleet", "client-secret")).verdict,
              Verdict::Allow);
    const std::string signed_dev1 = identities::signed_password("user-secret", "dev1");
    EXPECT_EQ(engine.authenticate(login(2, "dev1", "fleet", signed_dev1)).reason,
              Reason::BadPassword);
}

TEST_F(EngineTest, ClientIdentityFromAnotherClientIdIsRefused) {
    EXPECT_EQ(engine.authenticate(login(1, "other", "solo", "solo-secret")).reason,
              Reason::ClientIdNotBound);
}

TEST_F(EngineTest, UnknownUsernameAndMissingPasswordHaveTheirReasons) {
    EXPECT_EQ(engine.authenticate(login(1, "c", "ghost", "x")).reason, Reason::UnknownUsername);
    EXPECT_EQ(engine.authenticate(login(1, "dev1", "fleet", std::nullopt)).reason,
              Reason::MissingPassword);
}

TEST_F(EngineTest, AnonymousFollowsThePolicy) {
    EXPECT_EQ(engine.authenticate(login(1, "c", std::nullopt, std::nullopt)).reason,
              Reason::AnonymousDenied);
    engine.replace_policy(policy_from("version: 1\nanonymous: allow\n"));
    EXPECT_EQ(engine.authenticate(login(1, "c", std::nullopt, std::nullopt)).verdict,
              Verdict::Allow);
}

TEST_F(EngineTest, ReloadKeepsClientsWhoseIdentityIsUnchanged) {
    engine.authenticate(login(1, "dev2", "fleet", signed_dev2));
    EXPECT_TRUE(engine.replace_policy(policy_from(kPolicy)).empty());
    EXPECT_EQ(engine.live_client_count(), 1u);
}

TEST_F(EngineTest, ReloadWithdrawsARemovedIdentityAndAChangedSecret) {
    engine.authenticate(login(1, "dev2", "fleet", signed_dev2));
    engine.authenticate(login(2, "solo1", "solo", "solo-secret"));
    engine.authenticate(login(3, "dev1", "fleet", "client-secret"));
    std::string next = kPolicy;
    next.replace(next.find("user-secret"), 11, "new-secret!");  // fleet's USER secret changes
    next.erase(next.find("  - username: solo"));                // solo's identity goes

    const auto withdrawn = engine.replace_policy(policy_from(next));
    ASSERT_EQ(withdrawn.size(), 2u);
    for (const Withdrawal& client : withdrawn) {
        if (client.client_id == "dev2")
            EXPECT_EQ(client.reason, Reason::CredentialsChanged);
        else if (client.client_id == "solo1")
            EXPECT_EQ(client.reason, Reason::IdentityRemoved);
        else
            ADD_FAILURE() << client.client_id;
    }
    EXPECT_EQ(engine.live_client_count(), 1u);  // dev1's CLIENT identity is unchanged
}

TEST_F(EngineTest, ReloadWithdrawsAnonymousClientsWhenAnonymousIsSwitchedOff) {
    engine.replace_policy(policy_from("version: 1\nanonymous: allow\n"));
    engine.authenticate(login(7, "anon", std::nullopt, std::nullopt));
    const auto withdrawn = engine.replace_policy(policy_from("version: 1\nanonymous: deny\n"));
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].reason, Reason::AnonymousWithdrawn);
}

TEST_F(EngineTest, ASecondReloadComparesWithTheIdentityOfTheFirst) {
    engine.authenticate(login(1, "dev2", "fleet", signed_dev2));
    engine.replace_policy(policy_from(kPolicy));  // the old policy is freed after this
    std::string next = kPolicy;
    next.replace(next.find("user-secret"), 11, "other-secre");
    EXPECT_EQ(engine.replace_policy(policy_from(next)).size(), 1u);
}

TEST_F(EngineTest, ForgottenConnectionsAreNotWithdrawnLater) {
    engine.authenticate(login(1, "solo1", "solo", "solo-secret"));
    engine.forget(1);
    EXPECT_TRUE(engine.replace_policy(policy_from("version: 1\n")).empty());
}

TEST_F(EngineTest, ARotatedSecretKeepsItsClientsUntilThePreviousSecretEnds) {
    engine.authenticate(login(1, "dev2", "fleet", signed_dev2));  // the old secret
    const auto until = std::chrono::system_clock::now() + std::chrono::hours(1);
    std::string rotated = kPolicy;
    rotated.replace(rotated.find("    secret: user-secret\n"), 24,
                    "    secret: new-secret\n    previous_secret: user-secret\n"
                    "    previous_secret_until: \"2099-01-01T00:00:00Z\"\n");
    EXPECT_TRUE(engine.replace_policy(policy_from(rotated)).empty());  // dev2 moves over later
    const std::string new_dev3 = identities::signed_password("new-secret", "dev3");
    EXPECT_EQ(engine.authenticate(login(2, "dev3", "fleet", new_dev3)).verdict, Verdict::Allow);
    EXPECT_EQ(engine
                  .authenticate(
                      login(3, "dev4", "fleet", identities::signed_password("user-secret", "dev4")))
                  .verdict,
              Verdict::Allow);
    ASSERT_TRUE(engine.next_lapse());
    EXPECT_TRUE(engine.withdraw_lapsed(until).empty());  // 2099 is far off ...

    // ... so a policy ending it within the hour: its clients go then, not before.
    std::string ending = rotated;
    const auto soon = std::chrono::system_clock::to_time_t(until);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&soon));
    ending.replace(ending.find("2099-01-01T00:00:00Z"), 20, stamp);
    EXPECT_TRUE(engine.replace_policy(policy_from(ending)).empty());
    ASSERT_TRUE(engine.next_lapse());
    EXPECT_TRUE(engine.withdraw_lapsed(until - std::chrono::seconds(2)).empty());
    const auto lapsed = engine.withdraw_lapsed(until + std::chrono::seconds(1));
    ASSERT_EQ(lapsed.size(), 2u);  // dev2 and dev4, on the old secret; dev3 stays
    for (const Withdrawal& client : lapsed) {
        EXPECT_NE(client.client_id, "dev3");
        EXPECT_EQ(client.reason, Reason::PreviousSecretExpired);
    }
    EXPECT_FALSE(engine.next_lapse());

    // Past its time, the previous secret is refused, and the log says why.
    std::string ended = rotated;
    ended.replace(ended.find("2099-01-01T00:00:00Z"), 20, "2001-01-01T00:00:00Z");
    engine.replace_policy(policy_from(ended));
    EXPECT_EQ(engine
                  .authenticate(
                      login(4, "dev5", "fleet", identities::signed_password("user-secret", "dev5")))
                  .reason,
              Reason::PreviousSecretExpired);

    // Removing the previous secret withdraws its clients at once.
    engine.replace_policy(policy_from(rotated));
    ASSERT_EQ(engine
                  .authenticate(
                      login(5, "dev6", "fleet", identities::signed_password("user-secret", "dev6")))
                  .verdict,
              Verdict::Allow);
    std::string finished = kPolicy;
    finished.replace(finished.find("user-secret"), 11, "new-secret");
    const auto removed = engine.replace_policy(policy_from(finished));
    ASSERT_EQ(removed.size(), 1u);  // dev3, on the new secret, stays
    EXPECT_EQ(removed[0].client_id, "dev6");
    EXPECT_EQ(removed[0].reason, Reason::CredentialsChanged);
}
