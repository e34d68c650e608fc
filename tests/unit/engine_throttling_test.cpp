// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "config/loader.h"
#include "engine/engine.h"
#include "test_policy.h"

using namespace mqauth;
using namespace mqauth::engine;

namespace {

using test_policy::policy_from;

const std::string kPolicy =
    "version: 1\npermissions: {}\n"
    "identities:\n  - {username: fleet, identity_type: USER, secret: s3cr3t, sign_mode: ORIGIN}\n"
    "throttling:\n  max_failures: 3\n  address_max_failures: 3\n  window_seconds: 60\n"
    "  backoff_seconds: 600\n";

// A ConnectRequest holds views: the client id it names must outlive it (a temporary string
// dangled here, which ASan reported as a stack-buffer-underflow).
std::string_view client_id_of(ConnectionId connection) {
    static std::unordered_map<ConnectionId, std::string> ids;
    return ids.try_emplace(connection, "c" + std::to_string(connection)).first->second;
}

ConnectRequest login(ConnectionId connection, std::string_view password,
                     std::string_view address = "10.0.0.1") {
    ConnectRequest request;
    request.connection = connection;
    request.client_id = client_id_of(connection);
    request.username = "fleet";
    request.password = password;
    request.address = address;
    return request;
}

}  // namespace

TEST(EngineThrottling, AfterTooManyFailuresEvenTheRightPasswordIsRefusedCheaply) {
    Engine engine(policy_from(kPolicy));
    std::vector<std::string> notices;
    engine.send_notices_to([&](const std::string& line) { notices.push_back(line); });
    for (ConnectionId c = 1; c <= 3; ++c) {
        EXPECT_EQ(engine.authenticate(login(c, "wrong")).reason, Reason::BadPassword);
    }
    EXPECT_EQ(engine.authenticate(login(4, "s3cr3t")).reason, Reason::Throttled);
    EXPECT_EQ(notices, (std::vector<std::string>{
                           "throttling username=fleet for 600s after 3 failed logins",
                           "throttling address=10.0.0.1 for 600s after 3 failed logins"}));
    // Another address is not throttled for the address, but is for the username under attack.
    EXPECT_EQ(engine.authenticate(login(5, "s3cr3t", "10.0.0.2")).reason, Reason::Throttled);
}

TEST(EngineThrottling, ADeviceThatLoggedInBeforeKeepsItsUsernameDuringAnAttack) {
    Engine engine(policy_from(kPolicy));
    ASSERT_EQ(engine.authenticate(login(1, "s3cr3t", "192.168.1.7")).verdict, Verdict::Allow);
    engine.forget(1);
    for (ConnectionId c = 2; c <= 4; ++c) {
        engine.authenticate(login(c, "guess", "10.0.0." + std::to_string(c)));
    }
    ConnectRequest again = login(5, "s3cr3t", "192.168.1.7");
    again.client_id = client_id_of(1);  // the same device: username, client id and address
    EXPECT_EQ(engine.authenticate(again).verdict, Verdict::Allow);
    // Another client id with that username, even from that address, is another device.
    EXPECT_EQ(engine.authenticate(login(6, "s3cr3t", "192.168.1.7")).reason, Reason::Throttled);
}

TEST(EngineThrottling, OneDevicesFailuresBackItOffAloneAndTheNoticeNamesIt) {
    Engine engine(policy_from(
        "version: 1\npermissions: {}\nidentities:\n"
        "  - {username: fleet, identity_type: USER, secret: s3cr3t, sign_mode: ORIGIN}\n"
        "  - {username: meter, identity_type: USER, secret: m3t3r, sign_mode: ORIGIN}\n"
        "throttling: {max_failures: 3, window_seconds: 60, backoff_seconds: 600}\n"));
    std::vector<std::string> notices;
    engine.send_notices_to([&](const std::string& line) { notices.push_back(line); });
    for (ConnectionId c = 1; c <= 3; ++c) {
        ConnectRequest stale = login(c, "old-secret");
        stale.client_id = "dev-stale";
        ASSERT_EQ(engine.authenticate(stale).reason, Reason::BadPassword);
    }
    EXPECT_EQ(notices.front(),
              "throttling client_id=dev-stale username=fleet address=10.0.0.1 for 600s after 3 "
              "failed logins");
    ConnectRequest neighbour = login(4, "m3t3r");
    neighbour.username = "meter";
    EXPECT_EQ(engine.authenticate(neighbour).verdict, Verdict::Allow);  // same address
}

TEST(EngineThrottling, ReChecksOfLiveClientsAfterAReloadAreNeverThrottled) {
    Engine engine(policy_from(kPolicy));
    ASSERT_EQ(engine.authenticate(login(1, "s3cr3t")).verdict, Verdict::Allow);
    for (ConnectionId c = 2; c <= 4; ++c) engine.authenticate(login(c, "wrong"));
    // Mosquitto runs BASIC_AUTH again for connection 1 after a SIGHUP, from the same address.
    EXPECT_EQ(engine.authenticate(login(1, "s3cr3t")).verdict, Verdict::Allow);
}

TEST(EngineThrottling, CanBeSwitchedOffAndIsOnByDefault) {
    Engine off(policy_from(kPolicy + "  enabled: false\n"));
    for (ConnectionId c = 1; c <= 5; ++c) off.authenticate(login(c, "wrong"));
    EXPECT_EQ(off.authenticate(login(6, "s3cr3t")).verdict, Verdict::Allow);

    const auto defaults = policy_from("version: 1\npermissions: {}\n");
    EXPECT_TRUE(defaults->throttling.enabled);
    EXPECT_EQ(defaults->throttling.max_failures, 10);
}

TEST(EngineThrottling, OutOfRangeSettingsAreConfigErrors) {
    const auto result = config::load_text(
        "version: 1\npermissions: {}\nthrottling:\n  max_failures: 0\n  backoff_seconds: "
        "999999\n  enabled: on\n",
        "auth.yaml", ".");
    EXPECT_EQ(result.formatted_errors(),
              (std::vector<std::string>{
                  "auth.yaml:6:12: throttling.enabled: InvalidParameter: expected true or "
                  "false, got \"on\"",
                  "auth.yaml:4:17: throttling.max_failures: InvalidParameter: must be between 1 "
                  "and 1000",
                  "auth.yaml:5:20: throttling.backoff_seconds: InvalidParameter: must be between "
                  "1 and 86400"}));
}

TEST(EngineThrottling, AHugeUsernameIsCutInTheNoticeSoTheLineKeepsItsEnd) {
    Engine engine(policy_from(kPolicy));
    std::vector<std::string> notices;
    engine.send_notices_to([&](const std::string& line) { notices.push_back(line); });
    const std::string huge(65535, 'u');
    const std::string addresses[] = {"10.9.9.1", "10.9.9.2", "10.9.9.3"};
    for (ConnectionId c = 1; c <= 3; ++c) {
        ConnectRequest request = login(c, "wrong", addresses[c - 1]);
        request.username = huge;
        engine.authenticate(request);
    }
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0], "throttling username=" + std::string(64, 'u') +
                              "...(65535 bytes) for 600s after 3 failed logins");
}
