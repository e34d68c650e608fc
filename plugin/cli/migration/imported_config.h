// SPDX-License-Identifier: Apache-2.0
#pragma once
// What `mqauth import` makes of another broker setup's users and ACLs: plain SASL users with the
// hashes they had, USER permission rules, and two lists for the operator: what could not be
// read (nothing is imported then) and what was read but has no equivalent in mqauth (imported
// without it, each named with why).
#include <string>
#include <vector>

#include "editing/yaml_writing.h"

namespace mqauth::cli::migration {

struct ImportedUser {
    std::string username;
    std::string credentials;  // a Mosquitto hash: $6$... or $7$...
};

struct ImportedRule {
    std::string username;       // identity_type USER
    std::string topic;          // an MQTT filter
    std::string permit_action;  // PUB | SUB
    std::string effect;         // ALLOW | DENY

    bool operator==(const ImportedRule& other) const {
        return username == other.username && topic == other.topic &&
               permit_action == other.permit_action && effect == other.effect;
    }
};

struct Import {
    std::vector<ImportedUser> users;
    std::vector<ImportedRule> rules;
    std::vector<std::string> unreadable;  // each "WHERE: why"; any of them stops the import
    std::vector<std::string> not_mapped;  // each "WHERE: why"; reported, the rest is imported

    void add_rule(ImportedRule rule);  // once: roles shared by groups yield the same rule again
};

editing::Fields user_fields(const ImportedUser& user);
editing::Fields rule_fields(const ImportedRule& rule);

// The import as a whole config file (`version: 1`, `sasl_users`, and `permissions` when there
// are rules, with `no_match: DENY`), for stdout.
std::string render_config(const Import& import);

}  // namespace mqauth::cli::migration
