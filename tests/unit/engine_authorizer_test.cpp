// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/loader.h"
#include "engine/engine.h"
#include "metric_values.h"
#include "test_pki.h"
#include "test_rsa.h"

using namespace mqauth;
using namespace mqauth::engine;
using authorizers::FunctionReply;
using nlohmann::json;

namespace {

// Stands in for the HTTP function: records each call, answers with `reply`.
class FakeFunction : public authorizers::AuthorizerFunction {
   public:
    struct Call {
        std::string url;
        json body;
        std::chrono::milliseconds timeout;
    };

    FunctionReply post(const std::string& url, const std::string& json_body,
                       std::chrono::milliseconds timeout) override {
        calls.push_back({url, json::parse(json_body), timeout});
        return reply;
    }
    void keep_only(const std::vector<std::string>& urls) override { kept = urls; }

    void answer(const std::string& body, long status = 200) { reply = {true, status, body, {}}; }
    void fail(const std::string& why) { reply = {false, 0, {}, why}; }

    std::vector<Call> calls;
    std::vector<std::string> kept;
    FunctionReply reply{true, 200, R"({"result":"allow"})", {}};
};

const char* const kToken = "tok_1";

// Three authorizers: `signed` (signing with key 0, cache on), `open` (no signing, no cache,
// the default for SNI clients) and `off` (INACTIVE); plus the identity `fleet` / `fleet-pw`.
class EngineAuthorizers : public ::testing::Test {
   protected:
    void SetUp() override {
        dir_ = test_pki::make_temp_dir();
        test_pki::write_text_file(dir_ + "/pub.pem", test_rsa::public_pem(test_rsa::key(0)));
        engine_ = std::make_unique<Engine>(policy_with(authorizers_yaml()));
        auto fake = std::make_unique<FakeFunction>();
        function_ = fake.get();
        engine_->use_authorizer_function(std::move(fake));
        engine_->send_notices_to([this](const std::string& line) { notices_.push_back(line); });
    }

    static std::string authorizers_yaml(const std::string& signed_url = "http://f/signed",
                                        const std::string& open_status = "ACTIVE",
                                        const std::string& signed_status = "ACTIVE") {
        return "authorizers:\n"
               "  - authorizer_name: signed\n"
               "    func_urn: " +
               signed_url +
               "\n"
               "    signing_token: tok_1\n"
               "    signing_public_key: pub.pem\n"
               "    cache_enable: true\n"
               "    timeout_ms: 700\n"
               "    status: " +
               signed_status +
               "\n"
               "  - authorizer_name: open\n"
               "    func_urn: http://f/open\n"
               "    signing_enable: false\n"
               "    default_authorizer: true\n"
               "    status: " +
               open_status +
               "\n"
               "  - authorizer_name: off\n"
               "    func_urn: http://f/off\n"
               "    signing_enable: false\n"
               "    status: INACTIVE\n";
    }

    std::shared_ptr<const Policy> policy_with(const std::string& sections) {
        const std::string yaml =
            "version: 1\npermissions: {}\nanonymous: allow\n"
            "identities:\n"
            "  - {username: fleet, identity_type: USER, secret: fleet-pw, sign_mode: ORIGIN}\n" +
            sections;
        config::LoadResult result = config::load_text(yaml, "auth.yaml", dir_);
        EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.formatted_errors().front());
        return result.policy;
    }

    static std::string signed_username(const std::string& device, EVP_PKEY* key = nullptr,
                                       const std::string& token = kToken,
                                       const std::string& signed_token = kToken) {
        const std::string signature =
            test_rsa::signature(key ? key : test_rsa::key(0), signed_token);
        return device + "|authorizer-name=signed|authorizer-signature=" + signature +
               "|signing-token=" + token;
    }

    Decision connect(ConnectionId connection, std::optional<std::string_view> username,
                     std::optional<std::string_view> password = "pw",
                     std::optional<std::string_view> server_name = std::nullopt,
                     std::string_view client_id = "c1") {
        ConnectRequest request;
        request.connection = connection;
        request.client_id = client_id;
        request.username = username;
        request.password = password;
        request.server_name = server_name;
        request.address = "192.0.2.7";
        return engine_->authenticate(request);
    }

    std::string dir_;
    std::unique_ptr<Engine> engine_;
    FakeFunction* function_ = nullptr;
    std::vector<std::string> notices_;
};

}  // namespace

TEST_F(EngineAuthorizers, AGoodSignatureLeadsToTheFunctionWhichAdmitsTheDevice) {
    const std::string username = signed_username("dev-1");
    EXPECT_EQ(connect(1, username, "pw-1").verdict, Verdict::Allow);
    ASSERT_EQ(function_->calls.size(), 1u);
    const FakeFunction::Call& call = function_->calls[0];
    EXPECT_EQ(call.url, "http://f/signed");
    EXPECT_EQ(call.timeout, std::chrono::milliseconds(700));
    EXPECT_EQ(call.body["authorizer_name"], "signed");
    EXPECT_EQ(call.body["username"], "dev-1");
    EXPECT_EQ(call.body["client_id"], "c1");
    EXPECT_EQ(call.body["password"], "pw-1");
    EXPECT_EQ(call.body["signing_token"], kToken);
    EXPECT_EQ(call.body["signature_verified"], true);
    EXPECT_TRUE(call.body["server_name"].is_null());
    EXPECT_EQ(call.body["client_address"], "192.0.2.7");
    EXPECT_TRUE(call.body["certificate"].is_null());
    // The client is known by its device part, not by a username holding a signature.
    EXPECT_EQ(*engine_->admitted_username(1), std::optional<std::string>("dev-1"));
}

TEST_F(EngineAuthorizers, TheFunctionsDenyIsARefusal) {
    function_->answer(R"({"result":"deny"})");
    const Decision decision = connect(1, signed_username("dev-1"));
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.reason, Reason::AuthorizerDenied);
    EXPECT_EQ(engine_->live_client_count(), 0u);
}

TEST_F(EngineAuthorizers, AFailingFunctionIsAnErrorNotARefusalAndIsReported) {
    const auto expect_error = [this](ConnectionId connection, const std::string& detail) {
        const Decision decision = connect(connection, "d|authorizer-name=open");
        EXPECT_EQ(decision.verdict, Verdict::Error);
        EXPECT_EQ(decision.reason, Reason::AuthorizerError);
        ASSERT_FALSE(notices_.empty());
        EXPECT_EQ(notices_.back(), "authorizer open: function error: " + detail);
        // A success after each keeps the circuit closed (three failures in a row open it).
        function_->answer(R"({"result":"allow"})");
        ASSERT_EQ(connect(100 + connection, "d|authorizer-name=open").verdict, Verdict::Allow);
        engine_->forget(100 + connection);
    };
    function_->fail("no answer within 2000 ms");
    expect_error(1, "no answer within 2000 ms");
    function_->answer(R"({"result":"allow"})", 500);
    expect_error(2, "HTTP status 500");
    function_->answer("<html>oops</html>");
    expect_error(3, "the answer is not a JSON object");
    function_->answer(R"({"refresh_seconds":5})");
    expect_error(4, R"(the answer has no "result" of "allow" or "deny")");
    EXPECT_EQ(engine_->live_client_count(), 0u);
}

TEST_F(EngineAuthorizers, ABadSignatureIsRefusedWithoutCallingTheFunction) {
    EXPECT_EQ(connect(1, signed_username("d", test_rsa::key(1))).reason,
              Reason::AuthorizerBadSignature);  // signed by another key
    EXPECT_EQ(connect(2, signed_username("d", nullptr, kToken, "tok_2")).reason,
              Reason::AuthorizerBadSignature);  // a signature over another token
    EXPECT_EQ(connect(3, signed_username("d", nullptr, "tok_2", "tok_2")).reason,
              Reason::AuthorizerTokenMismatch);  // another token, validly signed
    EXPECT_EQ(
        connect(4, "d|authorizer-name=signed|authorizer-signature=%%%|signing-token=tok_1").reason,
        Reason::AuthorizerBadSignature);  // garbage
    EXPECT_EQ(connect(5, "d|authorizer-name=signed|signing-token=tok_1").reason,
              Reason::AuthorizerSignatureMissing);
    EXPECT_TRUE(function_->calls.empty());
}

TEST_F(EngineAuthorizers, UnknownInactiveAndMalformedAreRefusedWithoutACall) {
    EXPECT_EQ(connect(1, "d|authorizer-name=nobody").reason, Reason::AuthorizerUnknown);
    EXPECT_EQ(connect(2, "d|authorizer-name=off").reason, Reason::AuthorizerInactive);
    EXPECT_EQ(connect(3, "d|authorizer-name=open|extra=1").reason,
              Reason::AuthorizerUsernameMalformed);
    EXPECT_EQ(connect(4, "d|").reason, Reason::AuthorizerUsernameMalformed);
    EXPECT_TRUE(function_->calls.empty());
}

TEST_F(EngineAuthorizers, WithoutSigningTheTokenIsPassedOnUnverified) {
    EXPECT_EQ(connect(1, "d|authorizer-name=open|signing-token=anything").verdict, Verdict::Allow);
    ASSERT_EQ(function_->calls.size(), 1u);
    EXPECT_EQ(function_->calls[0].body["signing_token"], "anything");
    EXPECT_EQ(function_->calls[0].body["signature_verified"], false);
}

TEST_F(EngineAuthorizers, APasswordThatIsNotUtf8IsRefusedWithoutACall) {
    EXPECT_EQ(connect(1, "d|authorizer-name=open", "\xff\xfe").reason, Reason::AuthorizerNotUtf8);
    EXPECT_TRUE(function_->calls.empty());
}

TEST_F(EngineAuthorizers, ACacheHitMakesNoCallAndSkipsNothingItShouldNot) {
    const std::string username = signed_username("dev-1");
    ASSERT_EQ(connect(1, username, "pw").verdict, Verdict::Allow);
    EXPECT_EQ(connect(2, username, "pw").verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 1u);  // the second came from the cache
    EXPECT_EQ(*engine_->admitted_username(2), std::optional<std::string>("dev-1"));
    // Any other input is another entry: password, client id.
    EXPECT_EQ(connect(3, username, "pw2").verdict, Verdict::Allow);
    EXPECT_EQ(connect(4, username, "pw", std::nullopt, "c2").verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 3u);
}

TEST_F(EngineAuthorizers, DenialsAreCachedButErrorsAreNot) {
    const std::string username = signed_username("dev-1");
    function_->answer(R"({"result":"deny"})");
    EXPECT_EQ(connect(1, username).reason, Reason::AuthorizerDenied);
    EXPECT_EQ(connect(2, username).reason, Reason::AuthorizerDenied);
    EXPECT_EQ(function_->calls.size(), 1u);

    function_->fail("connection refused");
    const std::string other = signed_username("dev-2");
    EXPECT_EQ(connect(3, other).reason, Reason::AuthorizerError);
    EXPECT_EQ(connect(4, other).reason, Reason::AuthorizerError);
    EXPECT_EQ(function_->calls.size(), 3u);
}

TEST_F(EngineAuthorizers, WithoutCacheEnableEveryConnectCallsTheFunction) {
    EXPECT_EQ(connect(1, "d|authorizer-name=open").verdict, Verdict::Allow);
    EXPECT_EQ(connect(2, "d|authorizer-name=open").verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 2u);
}

TEST_F(EngineAuthorizers, AReloadThatChangesAnAuthorizerDropsItsCachedDecisions) {
    const std::string username = signed_username("dev-1");
    ASSERT_EQ(connect(1, username).verdict, Verdict::Allow);
    engine_->replace_policy(policy_with(authorizers_yaml()));  // unchanged: the entry stays
    EXPECT_EQ(connect(2, username).verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 1u);
    EXPECT_EQ(function_->kept,
              (std::vector<std::string>{"http://f/signed", "http://f/open", "http://f/off"}));

    engine_->replace_policy(policy_with(authorizers_yaml("http://f/signed-v2")));
    EXPECT_EQ(connect(3, username).verdict, Verdict::Allow);
    ASSERT_EQ(function_->calls.size(), 2u);
    EXPECT_EQ(function_->calls[1].url, "http://f/signed-v2");
    EXPECT_EQ(function_->kept[0], "http://f/signed-v2");
}

TEST_F(EngineAuthorizers, MakingAnAuthorizerInactiveOrRemovingItWithdrawsItsClients) {
    ASSERT_EQ(connect(1, signed_username("dev-1")).verdict, Verdict::Allow);
    ASSERT_EQ(connect(2, "d|authorizer-name=open", "pw", std::nullopt, "c2").verdict,
              Verdict::Allow);
    ASSERT_EQ(connect(3, "fleet", "fleet-pw", std::nullopt, "c3").verdict, Verdict::Allow);

    auto withdrawn =
        engine_->replace_policy(policy_with(authorizers_yaml("http://f/signed", "INACTIVE")));
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "c2");
    EXPECT_EQ(withdrawn[0].reason, Reason::AuthorizerInactive);
    EXPECT_EQ(connect(4, "d|authorizer-name=open").reason, Reason::AuthorizerInactive);

    withdrawn = engine_->replace_policy(policy_with(""));
    ASSERT_EQ(withdrawn.size(), 1u);
    EXPECT_EQ(withdrawn[0].client_id, "c1");
    EXPECT_EQ(withdrawn[0].reason, Reason::AuthorizerRemoved);
    EXPECT_EQ(engine_->live_client_count(), 1u);  // fleet stays
}

TEST_F(EngineAuthorizers, MosquittosPostReloadRecheckIsAnsweredWithoutACall) {
    ASSERT_EQ(connect(1, signed_username("dev-1"), "pw").verdict, Verdict::Allow);
    engine_->replace_policy(policy_with(authorizers_yaml("http://f/signed-v2")));
    // The broker re-runs BASIC_AUTH with the username the engine gave the client.
    EXPECT_EQ(connect(1, "dev-1", "pw").verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 1u);
    // Another connection with that username is an ordinary login, not a re-check.
    EXPECT_EQ(connect(2, "dev-1", "pw").reason, Reason::UnknownUsername);
}

TEST_F(EngineAuthorizers, TheDefaultAuthorizerTakesSniClientsOnly) {
    EXPECT_EQ(connect(1, "fleet", "fleet-pw").verdict, Verdict::Allow);  // no SNI: identity
    EXPECT_TRUE(function_->calls.empty());

    function_->answer(R"({"result":"deny"})");
    EXPECT_EQ(connect(2, "fleet", "fleet-pw", "mqtt.example.com").reason,
              Reason::AuthorizerDenied);  // SNI: the default authorizer decides
    ASSERT_EQ(function_->calls.size(), 1u);
    EXPECT_EQ(function_->calls[0].url, "http://f/open");
    EXPECT_EQ(function_->calls[0].body["username"], "fleet");
    EXPECT_EQ(function_->calls[0].body["server_name"], "mqtt.example.com");
    EXPECT_TRUE(function_->calls[0].body["signing_token"].is_null());
}

TEST_F(EngineAuthorizers, AnSniClientWithoutUsernameGoesToTheDefaultAuthorizerToo) {
    EXPECT_EQ(connect(1, std::nullopt, std::nullopt, "a.example").verdict, Verdict::Allow);
    ASSERT_EQ(function_->calls.size(), 1u);
    EXPECT_TRUE(function_->calls[0].body["username"].is_null());
    EXPECT_TRUE(function_->calls[0].body["password"].is_null());
    EXPECT_EQ(engine_->admitted_username(1)->has_value(), false);
}

TEST_F(EngineAuthorizers, AnInactiveDefaultAuthorizerIsNoDefault) {
    engine_->replace_policy(policy_with(authorizers_yaml("http://f/signed", "INACTIVE")));
    EXPECT_EQ(connect(1, "fleet", "fleet-pw", "mqtt.example.com").verdict, Verdict::Allow);
    EXPECT_TRUE(function_->calls.empty());
}

TEST_F(EngineAuthorizers, ANamedAuthorizerBeatsTheDefaultForSniClients) {
    EXPECT_EQ(connect(1, signed_username("dev-1"), "pw", "mqtt.example.com").verdict,
              Verdict::Allow);
    ASSERT_EQ(function_->calls.size(), 1u);
    EXPECT_EQ(function_->calls[0].url, "http://f/signed");
}

TEST_F(EngineAuthorizers, ADefaultAuthorizerWithSigningRefusesSniClientsThatCannotSign) {
    const std::string signed_default =
        "authorizers:\n"
        "  - authorizer_name: signed\n    func_urn: http://f/signed\n"
        "    signing_token: tok_1\n    signing_public_key: pub.pem\n"
        "    default_authorizer: true\n";
    engine_->replace_policy(policy_with(signed_default));
    EXPECT_EQ(connect(1, "fleet", "fleet-pw", "mqtt.example.com").reason,
              Reason::AuthorizerSignatureMissing);
    EXPECT_TRUE(function_->calls.empty());
}

// An identity or SASL user whose username has the authorizer form could never log in (the
// authorizer decides every such CONNECT first): the config refuses it, with its line.
TEST_F(EngineAuthorizers, NoIdentityNorSaslUserMayHaveTheAuthorizerForm) {
    for (const std::string entry :
         {"identities:\n  - {username: \"d|authorizer-name=open\", identity_type: USER, "
          "secret: s, sign_mode: ORIGIN}\n",
          "sasl_users:\n  - {username: \"s|authorizer-name=open\", type: scram, password: pw}\n"}) {
        const config::LoadResult result =
            config::load_text("version: 1\n" + entry, "auth.yaml", dir_);
        ASSERT_FALSE(result.ok()) << entry;
        EXPECT_NE(
            result.formatted_errors().front().find(
                "auth.yaml:3:16: " + std::string(entry[0] == 'i' ? "identities" : "sasl_users") +
                "[0].username: InvalidParameter: a username may not contain '|'"),
            std::string::npos)
            << result.formatted_errors().front();
    }
}

TEST_F(EngineAuthorizers, RefusalsCountAsFailedLoginsButFunctionErrorsDoNot) {
    engine_->replace_policy(
        policy_with(authorizers_yaml() +
                    "throttling: {max_failures: 2, address_max_failures: 2, window_seconds: 600, "
                    "backoff_seconds: 600}\n"));
    function_->fail("connection refused");
    for (ConnectionId connection = 1; connection <= 3; ++connection) {
        EXPECT_EQ(connect(connection, "d|authorizer-name=open").reason, Reason::AuthorizerError);
    }
    // Its circuit is open now: refused without a call, and not the client's doing either.
    EXPECT_EQ(connect(4, "d|authorizer-name=open").reason, Reason::AuthorizerUnavailable);
    EXPECT_EQ(connect(5, "d|authorizer-name=open").reason, Reason::AuthorizerUnavailable);
    EXPECT_EQ(function_->calls.size(), 3u);
    // A broken function is not the client's doing: the address is not throttled for it.
    EXPECT_EQ(connect(6, "d|authorizer-name=nobody").reason, Reason::AuthorizerUnknown);
    EXPECT_EQ(connect(7, "e|authorizer-name=nobody").reason, Reason::AuthorizerUnknown);
    EXPECT_EQ(connect(8, "fleet", "fleet-pw").reason, Reason::Throttled);
}

TEST_F(EngineAuthorizers, APeerCertificateIsDescribedToTheFunctionAndKeysTheCache) {
    const auto ca = test_pki::make_ca("fleet-ca", 0x7F00);
    const auto dev1 = test_pki::make_leaf("dev1", 0x1A2B, ca);
    const auto dev2 = test_pki::make_leaf("dev2", 0x1A2C, ca);
    const std::string username = signed_username("dev-1");
    ConnectRequest request;
    request.connection = 1;
    request.client_id = "c1";
    request.username = username;
    request.password = "pw";
    request.peer_certificate = dev1.certificate.get();
    ASSERT_EQ(engine_->authenticate(request).verdict, Verdict::Allow);
    ASSERT_EQ(function_->calls.size(), 1u);
    const json& certificate = function_->calls[0].body["certificate"];
    EXPECT_EQ(certificate["serial"], "1A2B");
    EXPECT_EQ(certificate["common_name"], "dev1");
    EXPECT_EQ(certificate["issuer"], "CN=fleet-ca");
    EXPECT_EQ(certificate["fingerprint_sha256"].get<std::string>().size(), 64u);

    request.connection = 2;
    ASSERT_EQ(engine_->authenticate(request).verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 1u);  // same certificate: cached
    request.connection = 3;
    request.peer_certificate = dev2.certificate.get();
    ASSERT_EQ(engine_->authenticate(request).verdict, Verdict::Allow);
    EXPECT_EQ(function_->calls.size(), 2u);  // another certificate: another entry
}

// SPEC order: a client certificate (device-certificate rules) decides before any authorizer.
TEST_F(EngineAuthorizers, ADeviceCertificateDecidesBeforeAnAuthorizerUsername) {
    const auto ca = test_pki::make_ca("fleet-ca", 0x7F00);
    const auto dev1 = test_pki::make_leaf("dev1", 0x1A2B, ca);
    test_pki::write_text_file(dir_ + "/ca.pem", test_pki::to_pem(ca.certificate.get()));
    engine_->replace_policy(
        policy_with(authorizers_yaml() + "ca_certificates:\n  - {ca_name: fleet-ca, file: ca.pem}\n"
                                         "device_certificates:\n  registry: {sqlite: d.db}\n"),
        std::move(registry::DeviceRegistry::open(
                      {registry::Backend::Sqlite, dir_ + "/d.db", std::nullopt, {}})
                      .registry));
    const certs::Verification verification =
        certs::verify_certificate(dev1.certificate.get(), engine_->policy().certificates);
    const std::string username = signed_username("dev-1");
    ConnectRequest request;
    request.connection = 1;
    request.client_id = "c1";
    request.username = username;
    request.certificate = &verification;
    EXPECT_EQ(engine_->authenticate(request).verdict, Verdict::Allow);
    EXPECT_TRUE(function_->calls.empty());
}

TEST_F(EngineAuthorizers, AFailingFunctionIsNoLongerCalledAndTheEpisodeIsLoggedOnce) {
    std::vector<std::string> notices;
    engine_->send_notices_to([&](const std::string& line) { notices.push_back(line); });
    function_->fail("operation timed out");
    for (ConnectionId connection = 1; connection <= 10; ++connection) {
        connect(connection, "d|authorizer-name=open");
    }
    EXPECT_EQ(function_->calls.size(), 3u);
    EXPECT_EQ(std::count_if(notices.begin(), notices.end(),
                            [](const std::string& line) {
                                return line.find("not called for 10s") != std::string::npos;
                            }),
              1);
    // Other authorizers keep their own circuit.
    function_->answer(R"({"result":"allow"})");
    EXPECT_EQ(connect(11, signed_username("dev-ok")).verdict, Verdict::Allow);
}

TEST_F(EngineAuthorizers, AReloadThatChangesTheAuthorizerClosesItsCircuit) {
    function_->fail("connection refused");
    for (ConnectionId connection = 1; connection <= 3; ++connection) {
        connect(connection, "d|authorizer-name=open");
    }
    ASSERT_EQ(connect(4, "d|authorizer-name=open").reason, Reason::AuthorizerUnavailable);
    std::string changed = authorizers_yaml();
    changed.replace(changed.find("http://f/open"), 13, "http://f/open2");
    engine_->replace_policy(policy_with(changed));
    function_->answer(R"({"result":"allow"})");
    EXPECT_EQ(connect(5, "d|authorizer-name=open").verdict, Verdict::Allow);
}

TEST_F(EngineAuthorizers, CallsAreCountedByResultWithTheirTimeAndTheCacheByHitsAndMisses) {
    using metric_values::value;
    EXPECT_EQ(connect(1, "d1|authorizer-name=open").verdict, Verdict::Allow);
    function_->answer(R"({"result":"deny"})");
    EXPECT_EQ(connect(2, "d2|authorizer-name=open").verdict, Verdict::Deny);
    function_->answer(R"({"result":"allow"})", 500);
    EXPECT_EQ(connect(3, "d3|authorizer-name=open").verdict, Verdict::Error);
    function_->answer("not json");
    EXPECT_EQ(connect(4, "d4|authorizer-name=open").verdict, Verdict::Error);
    function_->fail("timed out");
    EXPECT_EQ(connect(5, "d5|authorizer-name=open").verdict, Verdict::Error);
    const std::string calls = "mqauth_authorizer_calls_total";
    EXPECT_EQ(value(*engine_, calls, {"open", "allow"}), 1);
    EXPECT_EQ(value(*engine_, calls, {"open", "deny"}), 1);
    EXPECT_EQ(value(*engine_, calls, {"open", "error_status"}), 1);
    EXPECT_EQ(value(*engine_, calls, {"open", "error_answer"}), 1);
    EXPECT_EQ(value(*engine_, calls, {"open", "error_unreachable"}), 1);
    EXPECT_EQ(value(*engine_, "mqauth_authorizer_call_seconds_count", {"open"}), 5);
    EXPECT_EQ(value(*engine_, "mqauth_connect_decisions_total",
                    {"authorizer", "error", "authorizer_error"}),
              3);

    function_->answer(R"({"result":"allow"})");
    const std::string device = signed_username("d6");
    EXPECT_EQ(connect(6, device).verdict, Verdict::Allow);
    EXPECT_EQ(connect(7, device).verdict, Verdict::Allow);  // the same CONNECT: from the cache
    const std::string lookups = "mqauth_authorizer_cache_lookups_total";
    EXPECT_EQ(value(*engine_, lookups, {"signed", "miss"}), 1);
    EXPECT_EQ(value(*engine_, lookups, {"signed", "hit"}), 1);
    EXPECT_EQ(value(*engine_, "mqauth_authorizer_cache_entries"), 1);
    EXPECT_EQ(value(*engine_, calls, {"signed", "allow"}), 1);

    // The CONNECTs themselves: connections 1, 6 and 7 admitted, 2 refused.
    const std::string connects = "mqauth_connect_decisions_total";
    EXPECT_EQ(value(*engine_, connects, {"authorizer", "allow", "none"}), 3);
    EXPECT_EQ(value(*engine_, connects, {"authorizer", "deny", "authorizer_denied"}), 1);
    EXPECT_EQ(value(*engine_, "mqauth_live_clients", {"authorizer"}), 3);
    EXPECT_EQ(value(*engine_, "mqauth_policy_entries", {"authorizers"}), 3);
    // A synchronous call (Mosquitto 2.0) is over when its CONNECT is decided.
    EXPECT_EQ(value(*engine_, "mqauth_authorizer_calls_in_flight", {"open"}), 0);
}
