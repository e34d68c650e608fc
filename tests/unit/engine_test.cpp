#include <gtest/gtest.h>

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
