// SPDX-License-Identifier: Apache-2.0
#include "explain/topic_explanation.h"

#include "config_change.h"

namespace mqauth::cli::explain {
namespace {

using permissions::Access;
using permissions::ActionSet;
using permissions::Effect;

ActionSet actions_of(const std::string& permit_action) {
    if (permit_action == "PUB") return permissions::kPublish;
    if (permit_action == "SUB") return permissions::kSubscribe;
    return permissions::kPublish | permissions::kSubscribe;
}

std::string describe(const yaml::YamlNode& rule) {
    return field_text(rule, "effect") + " " + field_text(rule, "permit_action") + " on \"" +
           field_text(rule, "topic") + "\" for " + field_text(rule, "identity_type") + " \"" +
           field_text(rule, "identity") + "\"";
}

// What one rule alone says about the access, if it matches and names the action.
std::optional<Effect> verdict_of(const yaml::YamlNode& rule, Access access,
                                 const std::string& topic, const permissions::Subject& subject) {
    permissions::PermissionTable alone;
    const Effect effect = field_text(rule, "effect") == "ALLOW" ? Effect::Allow : Effect::Deny;
    const auto type = field_text(rule, "identity_type") == "USER"
                          ? permissions::RuleSubject::User
                          : permissions::RuleSubject::Client;
    alone.add(type, field_text(rule, "identity"), field_text(rule, "topic"),
              actions_of(field_text(rule, "permit_action")), effect);
    const permissions::Grants grants = alone.grants(access, topic, subject);
    const permissions::Action action = permissions::PermissionTable::action_of(access);
    if (grants.denies(action)) return Effect::Deny;
    if (grants.allows(action)) return Effect::Allow;
    return std::nullopt;
}

}  // namespace

TopicExplanation explain_topic(const std::vector<yaml::YamlNode>& rules, Effect no_match,
                               Access access, const std::string& topic,
                               const permissions::Subject& subject) {
    TopicExplanation explanation;
    bool denied = false;
    for (const yaml::YamlNode& rule : rules) {
        const auto effect = verdict_of(rule, access, topic, subject);
        if (!effect) continue;
        denied = denied || *effect == Effect::Deny;
        explanation.matching.push_back({rule.position.line, *effect, describe(rule)});
    }
    explanation.by_no_match = explanation.matching.empty();
    explanation.allowed = explanation.by_no_match ? no_match == Effect::Allow : !denied;
    return explanation;
}

}  // namespace mqauth::cli::explain
