// SPDX-License-Identifier: Apache-2.0
#pragma once
// Which rules decide a topic access, each with its line: the rules of the config file tried one
// at a time through the broker's own rule matching (permissions/permission_table.h), so that the
// explanation cannot drift from what the broker decides.
#include <string>
#include <vector>

#include "permissions/permission_table.h"
#include "yaml/yaml_tree.h"

namespace mqauth::cli::explain {

struct MatchingRule {
    int line = 0;
    permissions::Effect effect = permissions::Effect::Deny;
    std::string text;  // "ALLOW PUB_SUB on "demo/#" for USER "fleet""
};

struct TopicExplanation {
    std::vector<MatchingRule> matching;  // every rule that matches and names the action
    bool allowed = false;
    bool by_no_match = false;  // no rule matched: permissions.no_match decided
};

// `rules` are the items of permissions.rules as the config holds them (it loaded: their fields
// are valid).
TopicExplanation explain_topic(const std::vector<yaml::YamlNode>& rules,
                               permissions::Effect no_match, permissions::Access access,
                               const std::string& topic, const permissions::Subject& subject);

}  // namespace mqauth::cli::explain
