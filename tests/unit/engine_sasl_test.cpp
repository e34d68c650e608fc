// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "crypto/base64.h"
#include "crypto/digest.h"
#include "engine/engine.h"
#include "metric_values.h"
#include "sasl/credentials.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;
using crypto::HashAlgorithm;

namespace {

using test_policy::policy_from;

std::string policy_with(const std::string& scram_password, const std::string& plain_password) {
    return "version: 1\npermissions: {}\nsasl_users:\n"
           "  - username: alice\n    type: scram\n    mechanism: SCRAM-SHA-256\n    password: " +
           scram_password + "\n  - username: bob\n    password: " + plain_password + "\n";
}

// The client side of one SCRAM-SHA-256 login through the engine.
AuthStep scram_login(Engine& engine, ConnectionId connection, const std::string& username,
                     const std::string& password, std::string_view address = "10.0.0.1",
                     const std::string& gs2_header = "n,,") {
    const std::string first =
        gs2_header + "n=" + username + ",r=nonce" + std::to_string(connection);
    const AuthStep server_first =
        engine.begin_enhanced_auth({connection, "c", "SCRAM-SHA-256", first, address});
    if (server_first.decision.verdict != Verdict::Continue) return server_first;
    const std::string& sf = server_first.data;
    const std::string nonce = sf.substr(2, sf.find(",s=") - 2);
    const std::size_t salt_at = sf.find(",s=") + 3;
    const std::string salt = *crypto::base64_decode(sf.substr(salt_at, sf.find(",i=") - salt_at));
    const std::string salted = crypto::pbkdf2(HashAlgorithm::Sha256, password, salt, 4096);
    const std::string client_key = crypto::hmac(HashAlgorithm::Sha256, salted, "Client Key");
    const std::string stored = crypto::digest(HashAlgorithm::Sha256, client_key);
    const std::string without_proof = "c=" + crypto::base64_encode(gs2_header) + ",r=" + nonce;
    const std::string signature =
        crypto::hmac(HashAlgorithm::Sha256, stored,
                     first.substr(gs2_header.size()) + "," + sf + "," + without_proof);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= signature[i];
    return engine.continue_enhanced_auth(
        {connection, "c", "", without_proof + ",p=" + crypto::base64_encode(proof), address});
}

// A client-first that is never followed by its client-final.
AuthStep half_open(Engine& engine, ConnectionId connection, std::string_view address) {
    return engine.begin_enhanced_auth(
        {connection, "c", "SCRAM-SHA-256", "n,,n=alice,r=x" + std::to_string(connection), address});
}

const std::string kThrottling =
    "throttling:\n  max_failures: 3\n  address_max_failures: 3\n  window_seconds: 60\n"
    "  backoff_seconds: 600\n";

ConnectRequest plain_login(ConnectionId connection, std::string_view username,
                           std::string_view password) {
    return ConnectRequest{connection, "c", username, password};
}

// The CPU time this thread has used: the work a refusal does, which load on the machine (other
// tests, a fuzzer, CI's neighbours) does not add to as it adds to the time on the wall.
std::chrono::nanoseconds thread_cpu_time() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// The cheapest of several refused password logins, in this thread's CPU time.
class RefusalTimer {
   public:
    using Duration = std::chrono::nanoseconds;

    explicit RefusalTimer(Engine& engine) : engine_(engine) {}

    // Of seven refusals of each username, taken in turns.
    std::vector<Duration> cheapest(const std::vector<std::string_view>& usernames) {
        std::vector<Duration> cheapest(usernames.size(), Duration::max());
        for (int i = 0; i < 7; ++i) {
            for (std::size_t u = 0; u < usernames.size(); ++u)
                cheapest[u] = std::min(cheapest[u], refusal(usernames[u]));
        }
        return cheapest;
    }

   private:
    Duration refusal(std::string_view username) {
        const Duration start = thread_cpu_time();
        EXPECT_EQ(engine_.authenticate(plain_login(next_++, username, "wrong")).verdict,
                  Verdict::Deny);
        return thread_cpu_time() - start;
    }

    Engine& engine_;
    ConnectionId next_ = 1;
};

}  // namespace

TEST(EngineSasl, ScramLoginAdmitsAndNamesTheUser) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    const AuthStep done = scram_login(engine, 1, "alice", "pencil");
    EXPECT_EQ(done.decision.verdict, Verdict::Allow);
    EXPECT_EQ(done.username, "alice");
    EXPECT_EQ(done.data.rfind("v=", 0), 0u);
    EXPECT_EQ(engine.live_client_count(), 1u);
}

TEST(EngineSasl, ScramLoginsAreCountedAndTimedAsConnectDecisionsOnceTheyEnd) {
    using metric_values::value;
    Engine engine(policy_from(policy_with("pencil", "pw")));
    ASSERT_EQ(scram_login(engine, 1, "alice", "pencil").decision.verdict, Verdict::Allow);
    ASSERT_EQ(scram_login(engine, 2, "alice", "crayon").decision.reason, Reason::BadPassword);
    ASSERT_EQ(scram_login(engine, 3, "nobody", "x").decision.reason, Reason::UnknownUsername);
    const std::string name = "mqauth_connect_decisions_total";
    EXPECT_EQ(value(engine, name, {"sasl_scram", "allow", "none"}), 1);
    EXPECT_EQ(value(engine, name, {"sasl_scram", "deny", "bad_password"}), 1);
    EXPECT_EQ(value(engine, name, {"sasl_scram", "deny", "unknown_username"}), 1);
    EXPECT_EQ(value(engine, "mqauth_connect_decision_seconds_count"), 3);
    EXPECT_GT(value(engine, "mqauth_connect_decision_seconds_sum"), 0);
    EXPECT_EQ(value(engine, "mqauth_live_clients", {"sasl_scram"}), 1);
}

TEST(EngineSasl, ScramWithAWrongPasswordIsRefused) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    EXPECT_EQ(scram_login(engine, 1, "alice", "crayon").decision.reason, Reason::BadPassword);
}

TEST(EngineSasl, UnknownMethodIsUnsupported) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    EXPECT_EQ(engine.begin_enhanced_auth({1, "c", "GS2-KRB5", "x"}).decision.reason,
              Reason::UnsupportedAuthMethod);
}

TEST(EngineSasl, PlainUserLogsInWithAPasswordAndScramUserCannot) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    EXPECT_EQ(engine.authenticate(plain_login(1, "bob", "pw")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authenticate(plain_login(2, "bob", "wrong")).reason, Reason::BadPassword);
    EXPECT_EQ(engine.authenticate(plain_login(3, "alice", "pencil")).reason,
              Reason::MechanismMismatch);
    EXPECT_EQ(scram_login(engine, 4, "bob", "pw").decision.reason, Reason::MechanismMismatch);
}

TEST(EngineSasl, ReauthenticationAsAnotherUserIsRefused) {
    Engine engine(
        policy_from("version: 1\npermissions: {}\nsasl_users:\n"
                    "  - {username: alice, type: scram, mechanism: SCRAM-SHA-256, password: a}\n"
                    "  - {username: carol, type: scram, mechanism: SCRAM-SHA-256, password: c}\n"));
    ASSERT_EQ(scram_login(engine, 1, "alice", "a").decision.verdict, Verdict::Allow);
    EXPECT_EQ(scram_login(engine, 1, "alice", "a").decision.verdict, Verdict::Allow);
    EXPECT_EQ(scram_login(engine, 1, "carol", "c").decision.reason, Reason::ReauthUserChanged);
}

TEST(EngineSasl, ReloadWithdrawsRemovedAndChangedSaslUsersOnly) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    ASSERT_EQ(scram_login(engine, 1, "alice", "pencil").decision.verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(plain_login(2, "bob", "pw")).verdict, Verdict::Allow);
    // The SCRAM user is removed, the plain user's password changes.
    const auto withdrawn = engine.replace_policy(policy_from(
        "version: 1\npermissions: {}\nsasl_users:\n  - username: bob\n    password: pw2\n"));
    ASSERT_EQ(withdrawn.size(), 2u);
    EXPECT_EQ(engine.live_client_count(), 0u);
}

TEST(EngineSasl, ReloadOfAnUnchangedFileKeepsPlaintextPasswordUsers) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    ASSERT_EQ(scram_login(engine, 1, "alice", "pencil").decision.verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(plain_login(2, "bob", "pw")).verdict, Verdict::Allow);
    EXPECT_TRUE(engine.replace_policy(policy_from(policy_with("pencil", "pw"))).empty());
    EXPECT_EQ(engine.live_client_count(), 2u);
}

TEST(EngineSasl, ForgettingAConnectionDropsItsExchange) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    engine.begin_enhanced_auth({9, "c", "SCRAM-SHA-256", "n,,n=alice,r=abc"});
    engine.forget(9);
    EXPECT_EQ(engine.continue_enhanced_auth({9, "c", "", "c=biws,r=abc,p=AAAA"}).decision.reason,
              Reason::UnexpectedAuthStep);
}

TEST(EngineSasl, TheBrokersPostReloadRecheckKeepsAScramSession) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    ASSERT_EQ(scram_login(engine, 1, "alice", "pencil").decision.verdict, Verdict::Allow);
    engine.replace_policy(policy_from(policy_with("pencil", "pw")));
    // Mosquitto's re-check: the same connection, the username the plugin set, no password.
    EXPECT_EQ(engine.authenticate(ConnectRequest{1, "c", "alice", std::nullopt}).verdict,
              Verdict::Allow);
    // Not for another connection: that would be a new CONNECT without a password.
    EXPECT_EQ(engine.authenticate(ConnectRequest{2, "c", "alice", std::nullopt}).reason,
              Reason::MechanismMismatch);
}

TEST(EngineSasl, TheRecheckOfAnOfflineScramSessionKeepsItButANewConnectOnItsAddressLogsIn) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    ASSERT_EQ(scram_login(engine, 1, "alice", "pencil").decision.verdict, Verdict::Allow);
    engine.disconnected(1);
    ConnectRequest recheck{1, "c", "alice", std::nullopt};
    recheck.link = Link::Offline;
    EXPECT_EQ(engine.authenticate(recheck).verdict, Verdict::Allow);
    // The broker freed the session and a new client got its address: a login like any other.
    EXPECT_EQ(engine.authenticate(ConnectRequest{1, "c", "alice", std::nullopt}).reason,
              Reason::MechanismMismatch);
}

TEST(EngineSaslThrottling, AUsernameBackOffStopsScramLoginsAtTheClientFirst) {
    Engine engine(policy_from(policy_with("pencil", "pw") + kThrottling));
    for (ConnectionId c = 1; c <= 3; ++c) {
        ASSERT_EQ(scram_login(engine, c, "alice", "crayon").decision.reason, Reason::BadPassword);
    }
    // From another address, even the right password: refused before any proof is checked.
    const AuthStep refused = scram_login(engine, 4, "alice", "pencil", "10.0.0.2");
    EXPECT_EQ(refused.decision.reason, Reason::Throttled);
    EXPECT_TRUE(refused.data.empty());  // no server-first: the exchange never began
}

TEST(EngineSaslThrottling, HalfOpenExchangesAreBoundedPerAddress) {
    Engine engine(policy_from(policy_with("pencil", "pw")),
                  sasl::ScramAuthenticator(std::chrono::seconds(30), 10000, 3));
    for (ConnectionId c = 1; c <= 3; ++c) {
        ASSERT_EQ(half_open(engine, c, "10.0.0.9").decision.verdict, Verdict::Continue);
    }
    EXPECT_EQ(half_open(engine, 4, "10.0.0.9").decision.reason,
              Reason::TooManyExchangesFromAddress);
    EXPECT_EQ(scram_login(engine, 5, "alice", "pencil", "10.0.0.2").decision.verdict,
              Verdict::Allow);
}

TEST(EngineSaslThrottling, AFullTableIsNoFailureOfTheUserItRefuses) {
    Engine engine(policy_from(policy_with("pencil", "pw") + kThrottling),
                  sasl::ScramAuthenticator(std::chrono::seconds(30), 2, 100));
    ASSERT_EQ(half_open(engine, 1, "10.0.0.8").decision.verdict, Verdict::Continue);
    ASSERT_EQ(half_open(engine, 2, "10.0.0.9").decision.verdict, Verdict::Continue);
    for (ConnectionId c = 10; c < 20; ++c) {
        ASSERT_EQ(scram_login(engine, c, "alice", "pencil").decision.reason,
                  Reason::TooManyExchanges);
    }
    engine.disconnected(1);
    EXPECT_EQ(scram_login(engine, 20, "alice", "pencil").decision.verdict, Verdict::Allow);
}

TEST(EngineSaslThrottling, AbandonedExchangesCountAgainstTheirAddress) {
    Engine engine(policy_from(policy_with("pencil", "pw") + kThrottling));
    for (ConnectionId c = 1; c <= 3; ++c) {
        ASSERT_EQ(half_open(engine, c, "10.0.0.9").decision.verdict, Verdict::Continue);
        engine.disconnected(c);
    }
    EXPECT_EQ(scram_login(engine, 4, "alice", "pencil", "10.0.0.9").decision.reason,
              Reason::Throttled);
    EXPECT_EQ(scram_login(engine, 5, "alice", "pencil", "10.0.0.2").decision.verdict,
              Verdict::Allow);
}

TEST(EngineSasl, AClientThatCouldBindTheChannelButDoesNotAskLogsIn) {
    Engine engine(policy_from(policy_with("pencil", "pw")));
    const AuthStep done = scram_login(engine, 1, "alice", "pencil", "10.0.0.1", "y,,");
    EXPECT_EQ(done.decision.verdict, Verdict::Allow);
}

// Timing must not tell which usernames are plain SASL users: a refused password costs one
// PBKDF2 whichever way it was refused (a ratio of CPU times, so a slow or busy machine agrees).
TEST(EngineSasl, AnyRefusedPasswordTakesAsLongAsAPlainUsersWrongOne) {
    Engine engine(policy_from(
        policy_with("pencil", "pw") +
        "identities:\n  - {username: dev, identity_type: USER, secret: s, sign_mode: ORIGIN}\n"));
    RefusalTimer timer(engine);
    const auto times = timer.cheapest({"bob", "nobody", "dev", "alice"});
    EXPECT_GT(times[1] * 2, times[0]);  // an unknown username against bob's wrong password
    EXPECT_GT(times[2] * 2, times[0]);  // an identity's wrong password
    EXPECT_GT(times[3] * 2, times[0]);  // a SCRAM user trying a password
}

namespace {

// A SASL user mid-rotation: `password` current, `old_password` previous (with the same salt,
// as `mqauth sasl-users rotate` makes it, unless `previous_salt` says otherwise).
std::string rotating_user(const std::string& username, const std::string& type,
                          const std::string& password, const std::string& old_password,
                          const std::string& until, const std::string& previous_salt = "") {
    const std::string salt = "0123456789abcdef";
    const auto current =
        sasl::derive_credentials(sasl::Mechanism::ScramSha256, password, 4096, salt);
    const auto previous = sasl::derive_credentials(sasl::Mechanism::ScramSha256, old_password, 4096,
                                                   previous_salt.empty() ? salt : previous_salt);
    std::string entry = "  - username: " + username + "\n    type: " + type +
                        "\n    mechanism: SCRAM-SHA-256\n    credentials: \"" +
                        sasl::format_credentials(current) + "\"\n";
    if (!old_password.empty()) {
        entry += "    previous_credentials: \"" + sasl::format_credentials(previous) + "\"\n";
        if (!until.empty()) entry += "    previous_credentials_until: \"" + until + "\"\n";
    }
    return entry;
}

std::string rotating_policy(const std::string& until, bool with_previous = true) {
    const std::string old = with_previous ? "old" : "";
    return "version: 1\npermissions: {}\nsasl_users:\n" +
           rotating_user("alice", "scram", "new", old, until) +
           rotating_user("bob", "plain", "new", old, until);
}

std::string utc_stamp(std::chrono::system_clock::time_point when) {
    const auto seconds = std::chrono::system_clock::to_time_t(when);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
    return stamp;
}

}  // namespace

TEST(EngineSaslRotation, BothTheCurrentAndThePreviousPasswordLogIn) {
    Engine engine(policy_from(rotating_policy("2099-01-01T00:00:00Z")));
    EXPECT_EQ(scram_login(engine, 1, "alice", "new").decision.verdict, Verdict::Allow);
    EXPECT_EQ(scram_login(engine, 2, "alice", "old").decision.verdict, Verdict::Allow);
    EXPECT_EQ(scram_login(engine, 3, "alice", "older").decision.reason, Reason::BadPassword);
    EXPECT_EQ(engine.authenticate(plain_login(4, "bob", "new")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authenticate(plain_login(5, "bob", "old")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authenticate(plain_login(6, "bob", "old")).verdict, Verdict::Allow);  // cached
    EXPECT_EQ(engine.authenticate(plain_login(7, "bob", "older")).reason, Reason::BadPassword);
}

TEST(EngineSaslRotation, EndingTheRotationWithdrawsOnlyClientsOnThePreviousPassword) {
    Engine engine(policy_from(rotating_policy("")));
    ASSERT_EQ(scram_login(engine, 1, "alice", "new").decision.verdict, Verdict::Allow);
    ASSERT_EQ(scram_login(engine, 2, "alice", "old").decision.verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(plain_login(3, "bob", "new")).verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(plain_login(4, "bob", "old")).verdict, Verdict::Allow);
    EXPECT_FALSE(engine.next_lapse());  // no end stated: until the operator removes it
    // A reload of the same rotation keeps everyone.
    EXPECT_TRUE(engine.replace_policy(policy_from(rotating_policy(""))).empty());
    const auto withdrawn = engine.replace_policy(policy_from(rotating_policy("", false)));
    ASSERT_EQ(withdrawn.size(), 2u);
    for (const Withdrawal& client : withdrawn) EXPECT_EQ(client.reason, Reason::CredentialsChanged);
    EXPECT_EQ(engine.live_client_count(), 2u);
    EXPECT_EQ(engine.authenticate(plain_login(5, "bob", "old")).reason, Reason::BadPassword);
}

TEST(EngineSaslRotation, ThePreviousPasswordLapsesAtItsTime) {
    const auto until = std::chrono::system_clock::now() + std::chrono::hours(1);
    Engine engine(policy_from(rotating_policy(utc_stamp(until))));
    ASSERT_EQ(scram_login(engine, 1, "alice", "old").decision.verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(plain_login(2, "bob", "old")).verdict, Verdict::Allow);
    ASSERT_EQ(engine.authenticate(plain_login(3, "bob", "new")).verdict, Verdict::Allow);
    ASSERT_TRUE(engine.next_lapse());
    EXPECT_TRUE(engine.withdraw_lapsed(until - std::chrono::seconds(2)).empty());
    const auto lapsed = engine.withdraw_lapsed(until + std::chrono::seconds(1));
    ASSERT_EQ(lapsed.size(), 2u);
    for (const Withdrawal& client : lapsed) {
        EXPECT_EQ(client.reason, Reason::PreviousSecretExpired);
    }
    EXPECT_FALSE(engine.next_lapse());
    // Past its time, the previous password is refused (the cache does not keep it alive).
    Engine later(policy_from(rotating_policy("2001-01-01T00:00:00Z")));
    EXPECT_EQ(later.authenticate(plain_login(1, "bob", "old")).reason, Reason::BadPassword);
    EXPECT_EQ(scram_login(later, 2, "alice", "old").decision.reason, Reason::BadPassword);
    EXPECT_EQ(scram_login(later, 3, "alice", "new").decision.verdict, Verdict::Allow);
}

TEST(EngineSaslRotation, APlainUsersPreviousCredentialsMayHaveTheirOwnSalt) {
    Engine engine(policy_from("version: 1\npermissions: {}\nsasl_users:\n" +
                              rotating_user("bob", "plain", "new", "old", "", "fedcba9876543210")));
    EXPECT_EQ(engine.authenticate(plain_login(1, "bob", "old")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authenticate(plain_login(2, "bob", "new")).verdict, Verdict::Allow);
}

TEST(SaslRotationConfig, AScramUsersPreviousCredentialsNeedItsSaltAndAnEndNeedsThem) {
    const auto other_salt =
        config::load_text("version: 1\npermissions: {}\nsasl_users:\n" +
                              rotating_user("alice", "scram", "new", "old", "", "fedcba9876543210"),
                          "auth.yaml", ".");
    ASSERT_FALSE(other_salt.ok());
    EXPECT_NE(other_salt.errors.front().message.find("need the mechanism, salt and iterations"),
              std::string::npos);
    const auto orphan_until =
        config::load_text("version: 1\npermissions: {}\nsasl_users:\n" +
                              rotating_user("alice", "scram", "new", "", "") +
                              "    previous_credentials_until: \"2099-01-01T00:00:00Z\"\n",
                          "auth.yaml", ".");
    ASSERT_FALSE(orphan_until.ok());
    EXPECT_NE(orphan_until.errors.front().message.find("no previous_credentials"),
              std::string::npos);
}

namespace {

// Made by Debian 12's mosquitto_passwd 2.0.11: `mosquitto_passwd -b -c pw alice 'correct horse'`
// (the default $7$, 101 iterations) and `mosquitto_passwd -H sha512 -b pw bob b0b-secret`.
std::string mosquitto_hash_policy() {
    return "version: 1\npermissions: {}\nsasl_users:\n"
           "  - username: alice\n    credentials: \"$7$101$ZNpe8Jf/qbU9sr8u$bS/Uw0o9Ba5KUMo445j9QYH"
           "btfCy0Gk79/txm6Aq2HG+1dL4id6pv7mRZr0cwPUzPCFNQt9vk8iJiJrkomFM3w==\"\n"
           "  - username: bob\n    credentials: \"$6$uoDv7ArDoX+BswF8$pUwPy5PotQEcQ22Dw14kYQBUqJVRh"
           "z6XaAD6M6JHUYT0lXeT2oB1szcsGeFps35E9mhA7CLM33YKsWTKZ3TwKQ==\"\n";
}

}  // namespace

TEST(EngineSasl, PlainUsersWithMosquittoHashesLogInWithTheirPasswords) {
    Engine engine(policy_from(mosquitto_hash_policy()));
    EXPECT_EQ(engine.authenticate(plain_login(1, "alice", "correct horse")).verdict,
              Verdict::Allow);
    EXPECT_EQ(engine.authenticate(plain_login(2, "alice", "correct horse")).verdict,
              Verdict::Allow);  // cached
    EXPECT_EQ(engine.authenticate(plain_login(3, "alice", "b0b-secret")).reason,
              Reason::BadPassword);
    EXPECT_EQ(engine.authenticate(plain_login(4, "bob", "b0b-secret")).verdict, Verdict::Allow);
    EXPECT_EQ(engine.authenticate(plain_login(5, "bob", "correct horse")).reason,
              Reason::BadPassword);
    EXPECT_EQ(scram_login(engine, 6, "bob", "b0b-secret").decision.reason,
              Reason::MechanismMismatch);
    // A reload of the same hashes keeps their clients.
    EXPECT_TRUE(engine.replace_policy(policy_from(mosquitto_hash_policy())).empty());
    EXPECT_EQ(engine.live_client_count(), 3u);
}

TEST(EngineSasl, ARefusedPasswordOfACheapMosquittoHashTakesAsLongAsTheDearestPlainUsers) {
    // bob's $6$ is one SHA-512; frank's plain-text password gets 4096 PBKDF2 iterations.
    Engine engine(policy_from(mosquitto_hash_policy() + "  - username: frank\n    password: pw\n"));
    RefusalTimer timer(engine);
    const auto times = timer.cheapest({"frank", "bob", "nobody"});
    EXPECT_GT(times[1] * 2, times[0]);  // bob's wrong password against frank's
    EXPECT_GT(times[2] * 2, times[0]);  // an unknown username
}
