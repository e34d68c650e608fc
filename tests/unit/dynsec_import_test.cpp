// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>

#include "config/loader.h"
#include "migration/dynsec_import.h"
#include "migration/filter_overlap.h"
#include "sasl/user_credentials.h"

using namespace mqauth;
using namespace mqauth::cli::migration;

namespace {

// The password fields of a client as the dynamic-security plugin of Debian 12's mosquitto
// 2.0.11 stores them (PBKDF2-SHA512, 101 iterations, a 12-byte salt): here those of
// `mosquitto_passwd -b -c pw alice 'correct horse'`, which derives the same way.
const char* const kPassword =
    R"("password": "bS/Uw0o9Ba5KUMo445j9QYHbtfCy0Gk79/txm6Aq2HG+1dL4id6pv7mRZr0cwPUzPCFNQt9vk8iJiJrkomFM3w==",
       "salt": "ZNpe8Jf/qbU9sr8u", "iterations": 101)";
const char* const kHash =
    "$7$101$ZNpe8Jf/qbU9sr8u$bS/Uw0o9Ba5KUMo445j9QYHbtfCy0Gk79/"
    "txm6Aq2HG+1dL4id6pv7mRZr0cwPUzPCFNQt9"
    "vk8iJiJrkomFM3w==";

// mosquitto_ctrl dynsec init's defaults.
const char* const kDefaults =
    R"("defaultACLAccess": {"publishClientSend": false, "publishClientReceive": true,
                            "subscribe": false, "unsubscribe": true})";

std::string client(const std::string& username, const std::string& extra = "") {
    return R"({"username": ")" + username + "\", " + kPassword + extra + "}";
}

Import import_of(const std::string& clients, const std::string& roles,
                 const std::string& rest = std::string(",") + kDefaults) {
    return import_dynamic_security(
        R"({"clients": [)" + clients + R"(], "roles": [)" + roles + "]" + rest + "}", "ds.json");
}

bool has_rule(const Import& import, const ImportedRule& rule) {
    return std::find(import.rules.begin(), import.rules.end(), rule) != import.rules.end();
}

const char* const kSensorRole = R"({"rolename": "sensor", "acls": [
    {"acltype": "publishClientSend", "topic": "sensors/+/temp", "allow": true},
    {"acltype": "subscribePattern", "topic": "commands/#", "allow": true},
    {"acltype": "subscribeLiteral", "topic": "status", "allow": false}]})";

}  // namespace

TEST(FilterOverlap, TellsWhetherTwoFiltersShareATopic) {
    EXPECT_TRUE(filters_overlap("a/b", "a/b"));
    EXPECT_TRUE(filters_overlap("a/+", "a/b"));
    EXPECT_TRUE(filters_overlap("a/#", "a"));
    EXPECT_TRUE(filters_overlap("#", "x/y/z"));
    EXPECT_TRUE(filters_overlap("a/+/c", "+/b/#"));
    EXPECT_FALSE(filters_overlap("a/b", "a/c"));
    EXPECT_FALSE(filters_overlap("a/b", "a/b/c"));
    EXPECT_FALSE(filters_overlap("a/+", "a"));
    EXPECT_FALSE(filters_overlap("a/+/c", "a/b/d"));
}

TEST(DynsecImport, ClientsBecomePlainUsersAndTheirRolesAclsRules) {
    const Import import =
        import_of(client("alice", R"(, "roles": [{"rolename": "sensor"}])"), kSensorRole);
    EXPECT_TRUE(import.unreadable.empty());
    EXPECT_TRUE(import.not_mapped.empty()) << import.not_mapped.front();
    ASSERT_EQ(import.users.size(), 1u);
    EXPECT_EQ(import.users[0].username, "alice");
    EXPECT_EQ(import.users[0].credentials, kHash);
    ASSERT_EQ(import.rules.size(), 3u);
    EXPECT_TRUE(has_rule(import, {"alice", "sensors/+/temp", "PUB", "ALLOW"}));
    EXPECT_TRUE(has_rule(import, {"alice", "commands/#", "SUB", "ALLOW"}));
    EXPECT_TRUE(has_rule(import, {"alice", "status", "SUB", "DENY"}));
}

TEST(DynsecImport, GroupsRolesApplyToTheirClients) {
    const Import import = import_of(client("alice") + "," + client("bob"), kSensorRole,
                                    std::string(",") + kDefaults + R"(, "groups": [
        {"groupname": "devices", "roles": [{"rolename": "sensor"}],
         "clients": [{"username": "bob"}]}])");
    EXPECT_TRUE(import.not_mapped.empty());
    EXPECT_EQ(import.users.size(), 2u);
    EXPECT_EQ(import.rules.size(), 3u);  // bob's only
    EXPECT_TRUE(has_rule(import, {"bob", "commands/#", "SUB", "ALLOW"}));
}

TEST(DynsecImport, ReportsWhatDoesNotMapOneLineEach) {
    const Import import = import_of(
        client("dis", R"(, "disabled": true)") + "," + client("bound", R"(, "clientid": "dev1")") +
            R"(, {"username": "nopw"}, {"username": "argon", "encoded_password": "$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA"})" +
            "," + client("carol", R"(, "roles": [{"rolename": "odd"}, {"rolename": "ghost"}])"),
        R"({"rolename": "odd", "acls": [
            {"acltype": "publishClientReceive", "topic": "x", "allow": true},
            {"acltype": "unsubscribePattern", "topic": "#", "allow": false},
            {"acltype": "subscribeLiteral", "topic": "a/+", "allow": true},
            {"acltype": "subscribeLiteral", "topic": "b/#", "allow": false},
            {"acltype": "publishClientSend", "topic": "u/%u", "allow": true}]})",
        R"(, "anonymousGroup": "guests", "defaultACLAccess": {"publishClientSend": true,
            "publishClientReceive": false, "subscribe": true, "unsubscribe": false})");
    EXPECT_TRUE(import.unreadable.empty()) << import.unreadable.front();
    const std::vector<std::string> expected = {
        "ds.json: defaultACLAccess.publishClientSend is true: dynsec allows a publish no ACL "
        "matches, mqauth's no_match: DENY refuses it",
        "ds.json: defaultACLAccess.subscribe is true: dynsec allows a subscription no ACL "
        "matches, mqauth's no_match: DENY refuses it",
        "ds.json: defaultACLAccess.publishClientReceive is false: dynsec holds back a delivery "
        "no ACL allows, mqauth delivers what the client's SUB rules allow",
        "ds.json: defaultACLAccess.unsubscribe is false: mqauth always lets a client unsubscribe",
        "ds.json: anonymousGroup \"guests\": mqauth gives clients without a username no rules of "
        "their own (`anonymous` and no_match decide)",
        "ds.json: role \"odd\": publishClientReceive ALLOW \"x\": mqauth delivers what a "
        "client's SUB rules allow; it has no rule for deliveries alone",
        "ds.json: role \"odd\": unsubscribePattern DENY \"#\": mqauth always lets a client "
        "unsubscribe",
        "ds.json: role \"odd\": subscribeLiteral ALLOW \"a/+\": as a filter it would allow every "
        "subscription within it",
        "ds.json: role \"odd\": subscribeLiteral DENY \"b/#\": mapped to a DENY of every "
        "subscription within the filter, where dynsec denies only this exact one",
        "ds.json: role \"odd\": publishClientSend ALLOW \"u/%u\": mqauth would read %u or %c in "
        "it as a placeholder",
        "ds.json: client \"dis\": disabled: not imported",
        "ds.json: client \"bound\": bound to client id \"dev1\", and a SASL user may use any "
        "client id (make a CLIENT identity for it by hand): not imported",
        "ds.json: client \"nopw\": no password to log in with: not imported",
        "ds.json: client \"argon\": an argon2id hash (Mosquitto 2.1's default) cannot be "
        "verified by mqauth (give it a new password: mqauth sasl-users create): not imported",
        "ds.json: client \"carol\": role \"ghost\" is not defined (the plugin ignores it too)",
    };
    EXPECT_EQ(import.not_mapped, expected);
    ASSERT_EQ(import.users.size(), 1u);
    EXPECT_EQ(import.users[0].username, "carol");
    ASSERT_EQ(import.rules.size(), 1u);
    EXPECT_TRUE(has_rule(import, {"carol", "b/#", "SUB", "DENY"}));
}

TEST(DynsecImport, AnAllowCheckedBeforeAnOverlappingDenyIsReported) {
    const Import import = import_of(
        client("alice", R"(, "roles": [{"rolename": "wide", "priority": 5},
                                       {"rolename": "narrow", "priority": 1}])") +
            "," + client("bob", R"(, "roles": [{"rolename": "wide"}, {"rolename": "narrow",
                                       "priority": 1}])"),
        R"({"rolename": "wide", "acls": [{"acltype": "publishClientSend", "topic": "a/#", "allow": true}]},
           {"rolename": "narrow", "acls": [{"acltype": "publishClientSend", "topic": "a/secret", "allow": false},
                                          {"acltype": "publishClientSend", "topic": "b", "allow": false}]})");
    const std::vector<std::string> expected = {
        "ds.json: client \"alice\": role \"wide\"'s publishClientSend ALLOW \"a/#\" comes before "
        "role \"narrow\"'s publishClientSend DENY \"a/secret\": dynsec allows what both match, "
        "mqauth's DENY refuses it"};
    EXPECT_EQ(import.not_mapped, expected);  // bob's DENY comes first: both refuse a/secret
    EXPECT_EQ(import.rules.size(), 6u);
}

TEST(DynsecImport, AnAclsOwnPriorityOrdersItWithinItsRole) {
    const Import import = import_of(client("alice", R"(, "roles": [{"rolename": "r"}])"),
                                    R"({"rolename": "r", "acls": [
            {"acltype": "subscribePattern", "topic": "a/b", "allow": false, "priority": 1},
            {"acltype": "subscribePattern", "topic": "a/+", "allow": true, "priority": 2}]})");
    ASSERT_EQ(import.not_mapped.size(), 1u);
    EXPECT_NE(import.not_mapped[0].find("subscribePattern ALLOW \"a/+\" comes before"),
              std::string::npos);
}

TEST(DynsecImport, AMalformedFileIsUnreadableAndNamesEachPlace) {
    EXPECT_EQ(import_dynamic_security("{", "ds.json").unreadable,
              std::vector<std::string>{"ds.json: not JSON"});
    const Import import = import_dynamic_security(
        R"({"clients": [{"password": "x"}, 3, {"username": "a", "salt": "AA==", "password": "AA==",
            "iterations": 101}], "roles": {}})",
        "ds.json");
    const std::vector<std::string> expected = {
        "ds.json: roles: not a list", "ds.json: clients[0]: no username",
        "ds.json: clients[0]: no salt", "ds.json: clients[0].iterations: not a whole number",
        "ds.json: clients[1]: not an object"};
    EXPECT_EQ(import.unreadable, expected);
    const Import bad_hash = import_of(
        R"({"username": "a", "salt": "AA==", "password": "AA==", "iterations": 101})", "");
    ASSERT_EQ(bad_hash.unreadable.size(), 1u);
    EXPECT_EQ(bad_hash.unreadable[0],
              "ds.json: client \"a\": password: the salt is not Base64 of 12 or 64 bytes");
}

TEST(DynsecImport, ThePrintedConfigLoads) {
    const Import import =
        import_of(client("alice", R"(, "roles": [{"rolename": "sensor"}])"), kSensorRole);
    const config::LoadResult loaded = config::load_text(render_config(import), "out.yaml", ".");
    ASSERT_TRUE(loaded.ok()) << loaded.formatted_errors().front();
    const sasl::SaslUser* alice = loaded.policy->sasl_users.find("alice");
    ASSERT_NE(alice, nullptr);
    EXPECT_TRUE(sasl::password_matches(alice->credentials, "correct horse"));
}

TEST(DynsecImport, AClientWhoseUsernameASaslUserCannotHaveIsLeftOut) {
    const Import import = import_of(client("dev|1") + "," + client(std::string(65, 'x')), "");
    EXPECT_TRUE(import.unreadable.empty());
    EXPECT_TRUE(import.users.empty());
    ASSERT_EQ(import.not_mapped.size(), 2u);
    EXPECT_EQ(import.not_mapped[0],
              "ds.json: client \"dev|1\": username: InvalidParameter: a username may not contain "
              "'|' (that is the custom-authorizer form DEVICE|authorizer-name=NAME|..., which only "
              "an authorizer decides): not imported");
    EXPECT_NE(import.not_mapped[1].find("must be 1 to 64 characters: not imported"),
              std::string::npos);
}
