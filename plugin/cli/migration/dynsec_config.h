// SPDX-License-Identifier: Apache-2.0
#pragma once
// The dynamic-security plugin's dynamic-security.json, as Mosquitto's plugins/dynamic-security
// reads it (2.0: clients.c, groups.c, roles.c, plugin.c; 2.1 adds `encoded_password`).
// Where the plugin silently skips a malformed entry, this reader names it instead: an import
// must not drop a client without saying so.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqauth::cli::migration {

struct DynsecAcl {
    std::string type;  // publishClientSend, subscribePattern, ...
    std::string topic;
    bool allow = false;  // the plugin's default
    int priority = 0;
};

struct DynsecRole {
    std::vector<DynsecAcl> acls;
};

struct PriorityRef {  // a role of a client or group, or a group of a client
    std::string name;
    int priority = -1;  // the plugin's default
};

struct DynsecGroup {
    std::vector<PriorityRef> roles;
};

struct DynsecClient {
    std::string username;
    // The hash as text: 2.1's encoded_password, or 2.0's password, salt and iterations put in
    // the $7$ form. Empty when the client has none.
    std::string credentials;
    std::optional<std::string> client_id;
    bool disabled = false;
    std::vector<PriorityRef> roles;
    std::vector<PriorityRef> groups;  // from the groups' `clients` lists, as the plugin loads it
};

// defaultACLAccess: what the plugin does when no ACL matches (true: allow, false: defer).
struct DynsecDefaults {
    bool publish_client_send = false;
    bool publish_client_receive = false;
    bool subscribe = false;
    bool unsubscribe = false;
};

struct DynsecConfig {
    std::vector<DynsecClient> clients;
    std::map<std::string, DynsecGroup> groups;
    std::map<std::string, DynsecRole> roles;
    DynsecDefaults defaults;
    std::optional<std::string> anonymous_group;
};

// The parsed file, or nullopt with every problem in `errors` ("clients[2]: no username").
std::optional<DynsecConfig> parse_dynsec_config(std::string_view json,
                                                std::vector<std::string>& errors);

}  // namespace mqauth::cli::migration
