// The engine carries the TLS server name of a CONNECT into the client's session, where later
// deciders (the custom authorizers) will find it. Nothing decides on it yet.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config/loader.h"
#include "engine/engine.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

using test_policy::policy_from;

class SniServerName : public ::testing::Test {
   protected:
    Engine engine{policy_from(R"(version: 1
anonymous: allow
identities:
  - username: fleet
    identity_type: USER
    secret: s3cret
    sign_mode: ORIGIN
)")};
};

ConnectRequest connect(ConnectionId connection, std::optional<std::string_view> username,
                       std::optional<std::string_view> password,
                       std::optional<std::string_view> server_name) {
    ConnectRequest request;
    request.connection = connection;
    request.client_id = "dev-1";
    request.username = username;
    request.password = password;
    request.server_name = server_name;
    return request;
}

}  // namespace

TEST_F(SniServerName, AnAdmittedClientsSessionKeepsTheNameItSent) {
    std::string sent = "Device-7.MQTT.example.com";
    ASSERT_EQ(engine.authenticate(connect(1, "fleet", "s3cret", sent)).verdict, Verdict::Allow);
    sent.assign("overwritten after the call");  // the session holds its own copy
    const Session* session = engine.session(1);
    ASSERT_NE(session, nullptr);
    EXPECT_EQ(session->server_name, "Device-7.MQTT.example.com");
}

TEST_F(SniServerName, AnonymousClientsKeepItToo) {
    ASSERT_EQ(engine.authenticate(connect(2, std::nullopt, std::nullopt, "a.example")).verdict,
              Verdict::Allow);
    EXPECT_EQ(engine.session(2)->server_name, "a.example");
}

TEST_F(SniServerName, NoNameSentMeansNoneKept) {
    ASSERT_EQ(engine.authenticate(connect(3, "fleet", "s3cret", std::nullopt)).verdict,
              Verdict::Allow);
    EXPECT_FALSE(engine.session(3)->server_name);
}

TEST_F(SniServerName, ARefusedClientLeavesNoSession) {
    EXPECT_EQ(engine.authenticate(connect(4, "fleet", "wrong", "a.example")).verdict,
              Verdict::Deny);
    EXPECT_EQ(engine.session(4), nullptr);
}

TEST_F(SniServerName, ANewConnectOnTheSameConnectionReplacesIt) {
    ASSERT_EQ(engine.authenticate(connect(5, "fleet", "s3cret", "a.example")).verdict,
              Verdict::Allow);
    engine.disconnected(5);  // the broker freed the client; a new one gets its address
    ASSERT_EQ(engine.authenticate(connect(5, "fleet", "s3cret", std::nullopt)).verdict,
              Verdict::Allow);
    EXPECT_FALSE(engine.session(5)->server_name);
}
