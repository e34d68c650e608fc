// SPDX-License-Identifier: Apache-2.0
#include "config/permissions_section.h"

#include <optional>
#include <unordered_map>

#include "config/identities_section.h"
#include "permissions/topic_levels.h"
#include "yaml/mapping_reader.h"
#include "yaml/text_rules.h"

namespace mqauth::config {
namespace {

using permissions::ActionSet;
using permissions::Effect;
using permissions::RuleSubject;

inline constexpr std::size_t kMaxTopicBytes = 65535;  // an MQTT string's limit

struct Rule {
    RuleSubject subject;
    std::string identity;
    std::string topic;
    ActionSet actions;
    Effect effect;
};

// Where each rule was first defined, to name the earlier line in a duplicate's error.
using FirstSeen = std::unordered_map<std::string, int>;

std::string rule_key(const Rule& rule) {
    // NUL cannot occur in YAML text, so the fields cannot run into each other.
    return std::string(1, rule.subject == RuleSubject::User ? 'U' : 'C') + rule.identity + '\0' +
           rule.topic + '\0' + std::to_string(rule.actions) + '\0' +
           (rule.effect == Effect::Allow ? 'A' : 'D');
}

std::optional<std::string> read_topic(yaml::MappingReader& fields) {
    auto topic = fields.string("topic", yaml::Presence::Required);
    if (!topic) return std::nullopt;
    if (topic->size() > kMaxTopicBytes) {
        fields.report("topic", "InvalidParameter: a topic filter is at most 65535 bytes");
        return std::nullopt;
    }
    if (auto why = permissions::rule_filter_error(*topic)) {
        fields.report("topic", "InvalidParameter: invalid topic filter \"" + *topic +
                                   "\": " + std::string(*why));
        return std::nullopt;
    }
    return topic;
}

std::optional<Rule> read_rule(yaml::MappingReader& fields) {
    const auto subject = fields.enumeration<RuleSubject>(
        "identity_type", {{"USER", RuleSubject::User}, {"CLIENT", RuleSubject::Client}},
        yaml::Presence::Required);
    auto identity = fields.string("identity", yaml::Presence::Required);
    if (identity && !yaml::text_length_within(*identity, 1, kMaxUsernameChars)) {
        fields.report("identity", "InvalidParameter: must be 1 to 64 characters");
        identity.reset();
    }
    auto topic = read_topic(fields);
    const auto actions = fields.enumeration<ActionSet>(
        "permit_action",
        {{"PUB", permissions::kPublish},
         {"SUB", permissions::kSubscribe},
         {"PUB_SUB", permissions::kPublish | permissions::kSubscribe}},
        yaml::Presence::Required);
    const auto effect = fields.enumeration<Effect>(
        "effect", {{"ALLOW", Effect::Allow}, {"DENY", Effect::Deny}}, yaml::Presence::Required);
    fields.finish();
    if (!subject || !identity || !topic || !actions || !effect) return std::nullopt;
    return Rule{*subject, std::move(*identity), std::move(*topic), *actions, *effect};
}

yaml::Diagnostic unprovable_client_rule(const yaml::MappingReader& fields,
                                        const std::string& client_id) {
    return {fields.position(), fields.path_of("identity"),
            "no login can prove client id \"" + client_id +
                "\" (no CLIENT identity names it, no identity is SIGNED, device certificates do "
                "not bind the client id to the CN, and no authorizer is configured): this "
                "CLIENT rule never applies"};
}

void read_rules(const yaml::YamlNode& list, const ClientIdProvable& provable,
                yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
                permissions::PermissionTable& table) {
    FirstSeen first_seen;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        yaml::MappingReader fields(list.items[i], "permissions.rules[" + std::to_string(i) + "]",
                                   diagnostics);
        if (!fields.valid()) continue;
        const auto rule = read_rule(fields);
        if (!rule) continue;
        const auto [seen, added] = first_seen.emplace(rule_key(*rule), fields.position().line);
        if (!added) {
            fields.report_here(
                "InvalidParameter: duplicate rule: the same rule is already "
                "defined at line " +
                std::to_string(seen->second));
            continue;
        }
        if (rule->subject == RuleSubject::Client && !provable(rule->identity)) {
            warnings.push_back(unprovable_client_rule(fields, rule->identity));
        }
        table.add(rule->subject, rule->identity, rule->topic, rule->actions, rule->effect);
    }
}

}  // namespace

void read_permissions(const yaml::YamlNode& section, const ClientIdProvable& provable,
                      yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
                      permissions::PermissionTable& table) {
    yaml::MappingReader fields(section, "permissions", diagnostics);
    if (!fields.valid()) return;
    if (const auto no_match = fields.enumeration<Effect>(
            "no_match", {{"ALLOW", Effect::Allow}, {"DENY", Effect::Deny}},
            yaml::Presence::Optional)) {
        table.set_no_match(*no_match);
    }
    if (const yaml::YamlNode* rules = fields.sequence("rules", yaml::Presence::Optional)) {
        read_rules(*rules, provable, diagnostics, warnings, table);
    }
    fields.finish();
}

}  // namespace mqauth::config
