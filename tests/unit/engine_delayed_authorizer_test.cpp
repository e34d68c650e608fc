// SPDX-License-Identifier: Apache-2.0
// Authorizer calls off the broker's thread (Mosquitto 2.1's delayed basic auth): a cache miss is
// Pending, and finish_authorizer_calls decides it once the fake transport has the answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/loader.h"
#include "engine/engine.h"
#include "metric_values.h"
#include "test_pki.h"

using namespace mqauth;
using namespace mqauth::engine;
using authorizers::CallId;
using nlohmann::json;

namespace {

// Stands in for HttpCalls: records each call started; a test answers them when it chooses.
class FakeCalls : public authorizers::FunctionCalls {
   public:
    struct Started {
        CallId id;
        std::string url;
        json body;
    };

    void start(CallId id, const std::string& url, std::string json_body,
               std::chrono::milliseconds) override {
        started.push_back({id, url, json::parse(json_body)});
    }
    std::vector<authorizers::FinishedCall> take_finished() override {
        return std::exchange(finished, {});
    }

    void answer(CallId id, const std::string& result) {
        finished.push_back({id, {true, 200, R"({"result":")" + result + R"("})", {}}});
    }
    void fail(CallId id) { finished.push_back({id, {false, 0, {}, "connection refused"}}); }

    std::vector<Started> started;
    std::vector<authorizers::FinishedCall> finished;
};

constexpr ConnectionId kFirst = 1;
constexpr ConnectionId kSecond = 2;

// One authorizer, `fn` (no signing, cache on, at most 2 calls in flight).
class DelayedAuthorizer : public ::testing::Test {
   protected:
    void SetUp() override {
        dir_ = test_pki::make_temp_dir();
        engine_ = std::make_unique<Engine>(policy("ACTIVE"));
        auto calls = std::make_unique<FakeCalls>();
        calls_ = calls.get();
        engine_->use_authorizer_calls(std::move(calls));
        engine_->send_notices_to([this](const std::string& line) { notices_.push_back(line); });
    }

    std::shared_ptr<const Policy> policy(const std::string& status,
                                         const std::string& url = "http://f/fn") {
        const std::string yaml =
            "version: 1\npermissions: {}\nanonymous: deny\n"
            "throttling: {max_failures: 2, window_seconds: 60, backoff_seconds: 600}\n"
            "authorizers:\n"
            "  - {authorizer_name: fn, func_urn: '" +
            url +
            "', signing_enable: false, cache_enable: true, max_in_flight: 2, status: " + status +
            "}\n";
        config::LoadResult result = config::load_text(yaml, "auth.yaml", dir_);
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.formatted_errors().front());
        return result.policy;
    }

    static std::string username(const std::string& device) {
        return device + "|authorizer-name=fn";
    }

    Decision connect(ConnectionId connection, const std::string& device,
                     std::string_view client_id = "c1", std::string_view password = "pw") {
        const std::string name = username(device);
        ConnectRequest request;
        request.connection = connection;
        request.client_id = client_id;
        request.username = name;
        request.password = password;
        request.address = "192.0.2.7";
        request.link = Link::Connected;
        return engine_->authenticate(request);
    }

    // Finishes the answered calls; the broker confirms the admitted ones when `confirm`.
    std::vector<Engine::FinishedLogin> finish(bool confirm = true,
                                              ConnectionId connection_confirmed = kFirst) {
        std::vector<Engine::FinishedLogin> delivered;
        engine_->finish_authorizer_calls([&](const Engine::FinishedLogin& login) {
            delivered.push_back(login);
            if (confirm && login.decision.verdict == Verdict::Allow) {
                engine_->connected(connection_confirmed);
            }
        });
        return delivered;
    }

    std::string dir_;
    std::unique_ptr<Engine> engine_;
    FakeCalls* calls_ = nullptr;
    std::vector<std::string> notices_;
};

}  // namespace

TEST_F(DelayedAuthorizer, ACacheMissIsPendingWithTheDeviceNameAlreadyKnown) {
    EXPECT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    ASSERT_EQ(calls_->started.size(), 1u);
    EXPECT_EQ(calls_->started[0].url, "http://f/fn");
    EXPECT_EQ(calls_->started[0].body["username"], "dev-1");
    EXPECT_TRUE(engine_->authorizer_calls_pending());
    const std::optional<std::string>* name = engine_->admitted_username(kFirst);
    ASSERT_NE(name, nullptr);
    EXPECT_EQ(*name, std::optional<std::string>("dev-1"));
    EXPECT_EQ(engine_->live_client_count(), 0u);
}

TEST_F(DelayedAuthorizer, AnAllowAdmitsTheClientOnceTheBrokerConfirmsIt) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    calls_->answer(calls_->started[0].id, "allow");
    const auto delivered = finish();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].client_id, "c1");
    EXPECT_EQ(delivered[0].decision.verdict, Verdict::Allow);
    EXPECT_FALSE(engine_->authorizer_calls_pending());
    EXPECT_EQ(engine_->live_client_count(), 1u);
    EXPECT_EQ(*engine_->admitted_username(kFirst), std::optional<std::string>("dev-1"));
}

TEST_F(DelayedAuthorizer, CallsInFlightAreCountedUntilTheirAnswersAreDelivered) {
    using metric_values::value;
    ASSERT_EQ(connect(kFirst, "dev-1", "c1").verdict, Verdict::Pending);
    ASSERT_EQ(connect(kSecond, "dev-2", "c2").verdict, Verdict::Pending);
    EXPECT_EQ(value(*engine_, "mqauth_authorizer_calls_in_flight", {"fn"}), 2);
    calls_->answer(calls_->started[0].id, "allow");
    ASSERT_EQ(finish().size(), 1u);
    EXPECT_EQ(value(*engine_, "mqauth_authorizer_calls_in_flight", {"fn"}), 1);
    calls_->answer(calls_->started[1].id, "deny");
    ASSERT_EQ(finish(true, kSecond).size(), 1u);
    EXPECT_EQ(value(*engine_, "mqauth_authorizer_calls_in_flight", {"fn"}), 0);
    // Each CONNECT counts once, when its answer is delivered; the wait is not its decision time.
    const std::string connects = "mqauth_connect_decisions_total";
    EXPECT_EQ(value(*engine_, connects, {"authorizer", "allow", "none"}), 1);
    EXPECT_EQ(value(*engine_, connects, {"authorizer", "deny", "authorizer_denied"}), 1);
    EXPECT_EQ(value(*engine_, "mqauth_connect_decision_seconds_count"), 0);
}

TEST_F(DelayedAuthorizer, AnAdmissionTheBrokerDoesNotConfirmIsDropped) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    calls_->answer(calls_->started[0].id, "allow");
    ASSERT_EQ(finish(/*confirm=*/false).size(), 1u);
    EXPECT_EQ(engine_->live_client_count(), 0u);
    EXPECT_EQ(engine_->admitted_username(kFirst), nullptr);
}

TEST_F(DelayedAuthorizer, ADenyIsDeliveredAndCountsAsAFailedLogin) {
    for (int attempt = 0; attempt < 2; ++attempt) {  // another password each: no cached deny
        ASSERT_EQ(connect(kFirst, "dev-1", "c1", "pw" + std::to_string(attempt)).verdict,
                  Verdict::Pending);
        calls_->answer(calls_->started.back().id, "deny");
        const auto delivered = finish();
        ASSERT_EQ(delivered.size(), 1u);
        EXPECT_EQ(delivered[0].decision.verdict, Verdict::Deny);
        EXPECT_EQ(delivered[0].decision.reason, Reason::AuthorizerDenied);
    }
    EXPECT_EQ(connect(kFirst, "dev-1", "c1", "other").reason, Reason::Throttled);
}

TEST_F(DelayedAuthorizer, ACachedAnswerDecidesAtOnce) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    calls_->answer(calls_->started[0].id, "allow");
    finish();
    EXPECT_EQ(connect(kSecond, "dev-1").verdict, Verdict::Allow);
    EXPECT_EQ(calls_->started.size(), 1u);
}

TEST_F(DelayedAuthorizer, PastMaxInFlightCallsAreRefusedAsBusyWithOneNotice) {
    ASSERT_EQ(connect(1, "dev-1", "c1").verdict, Verdict::Pending);
    ASSERT_EQ(connect(2, "dev-2", "c2").verdict, Verdict::Pending);
    for (ConnectionId connection : {3, 4}) {
        const Decision busy = connect(connection, "dev-3", "c3");
        EXPECT_EQ(busy.verdict, Verdict::Error);
        EXPECT_EQ(busy.reason, Reason::AuthorizerBusy);
    }
    EXPECT_EQ(calls_->started.size(), 2u);
    EXPECT_EQ(notices_, std::vector<std::string>{
                            "authorizer fn: 2 calls (max_in_flight) under way: its CONNECTs are "
                            "refused (authorizer_busy) until they have finished"});
    for (const auto& call : calls_->started) calls_->answer(call.id, "allow");
    finish();
    EXPECT_EQ(connect(5, "dev-3", "c3").verdict, Verdict::Pending);
}

TEST_F(DelayedAuthorizer, ANewConnectWithTheSameClientIdAbandonsTheWaitingOne) {
    ASSERT_EQ(connect(kFirst, "dev-1", "same").verdict, Verdict::Pending);
    ASSERT_EQ(connect(kSecond, "dev-1", "same", "other-pw").verdict, Verdict::Pending);
    calls_->answer(calls_->started[0].id, "allow");  // the first client's: it is gone
    EXPECT_TRUE(finish().empty());
    calls_->answer(calls_->started[1].id, "deny");
    const auto delivered = finish();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].decision.reason, Reason::AuthorizerDenied);
    EXPECT_EQ(engine_->live_client_count(), 0u);
}

TEST_F(DelayedAuthorizer, AnyAuthenticationOnTheConnectionAbandonsTheWaitingOne) {
    ASSERT_EQ(connect(kFirst, "dev-1", "first").verdict, Verdict::Pending);
    engine_->disconnected(kFirst);  // the broker reused the connection for another client
    calls_->answer(calls_->started[0].id, "allow");
    EXPECT_TRUE(finish().empty());
    EXPECT_EQ(engine_->admitted_username(kFirst), nullptr);
}

TEST_F(DelayedAuthorizer, AnAbandonedLoginsAnswerStillFillsTheCache) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    engine_->forget(kFirst);
    calls_->answer(calls_->started[0].id, "allow");
    EXPECT_TRUE(finish().empty());
    EXPECT_EQ(connect(kSecond, "dev-1").verdict, Verdict::Allow);
}

TEST_F(DelayedAuthorizer, AReloadThatMakesTheAuthorizerInactiveRefusesTheWaitingLogin) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    engine_->replace_policy(policy("INACTIVE"));
    calls_->answer(calls_->started[0].id, "allow");
    const auto delivered = finish();
    ASSERT_EQ(delivered.size(), 1u);
    EXPECT_EQ(delivered[0].decision.verdict, Verdict::Error);
    EXPECT_EQ(delivered[0].decision.reason, Reason::AuthorizerChanged);
    EXPECT_EQ(engine_->live_client_count(), 0u);
}

TEST_F(DelayedAuthorizer, AReloadThatChangesTheFunctionRefusesAndCachesNothing) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    engine_->replace_policy(policy("ACTIVE", "http://f/elsewhere"));
    calls_->answer(calls_->started[0].id, "allow");
    EXPECT_EQ(finish().at(0).decision.reason, Reason::AuthorizerChanged);
    EXPECT_EQ(connect(kSecond, "dev-1").verdict, Verdict::Pending);  // asked anew
}

TEST_F(DelayedAuthorizer, AReloadThatKeepsTheAuthorizerKeepsTheAnswer) {
    ASSERT_EQ(connect(kFirst, "dev-1").verdict, Verdict::Pending);
    engine_->replace_policy(policy("ACTIVE"));
    calls_->answer(calls_->started[0].id, "allow");
    EXPECT_EQ(finish().at(0).decision.verdict, Verdict::Allow);
}

TEST_F(DelayedAuthorizer, FailedCallsOpenTheCircuitAndAreNotCountedAgainstTheClient) {
    for (int call = 0; call < 3; ++call) {
        ASSERT_EQ(connect(kFirst, "dev-1", "c1", "pw" + std::to_string(call)).verdict,
                  Verdict::Pending);
        calls_->fail(calls_->started.back().id);
        EXPECT_EQ(finish().at(0).decision.reason, Reason::AuthorizerError);
    }
    const Decision refused = connect(kFirst, "dev-1");
    EXPECT_EQ(refused.verdict, Verdict::Error);
    EXPECT_EQ(refused.reason, Reason::AuthorizerUnavailable);  // not Throttled
    EXPECT_EQ(calls_->started.size(), 3u);
}
