// SPDX-License-Identifier: Apache-2.0
// mqauth permissions add|remove|list: ApsaraMQ for MQTT's custom-auth permissions
// (AddCustomAuthPermission and its siblings) as the rules of the config's `permissions`.
#include <iostream>
#include <string>

#include "broker_reload.h"
#include "config_change.h"
#include "subcommands.h"
#include "text_table.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

const editing::KeyPath kRules{"permissions", "rules"};

constexpr const char* kUsage =
    "usage: mqauth permissions add|remove|list --config FILE ...\n"
    "Topic permissions (ApsaraMQ for MQTT's AddCustomAuthPermission and its siblings):\n"
    "  add     add a rule: ALLOW or DENY, PUB, SUB or PUB_SUB on a topic filter, for a\n"
    "          username (USER) or a client id (CLIENT)\n"
    "  remove  remove a rule\n"
    "  list    the rules, with the line of each, and no_match\n"
    "mqauth permissions SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

const std::string kAddUsage =
    std::string(
        "usage: mqauth permissions add --config FILE --identity-type USER|CLIENT --identity ID\n"
        "           --topic FILTER --permit-action PUB|SUB|PUB_SUB --effect ALLOW|DENY [--reload]\n"
        "Adds a rule at the end of FILE's permissions.rules (adding the section when missing),\n"
        "keeping every comment and the layout, once the edited file loads as the broker would\n"
        "load it. --identity is a username (USER) or a client id (CLIENT); --topic an MQTT filter\n"
        "in which %u and %c, each a whole level, stand for the client's username and client id.\n"
        "The order of rules does not matter: a matching DENY beats any ALLOW. Enum values may be\n"
        "given in any case.\n") +
    kReloadUsage;

const std::string kRemoveUsage =
    std::string(
        "usage: mqauth permissions remove --config FILE (--line N | --identity-type T --identity "
        "ID\n"
        "           --topic FILTER --permit-action A --effect E) [--reload]\n"
        "Removes one rule: the one that starts on line N (as `mqauth permissions list` shows), or\n"
        "the one with exactly these fields. Comments around it stay.\n") +
    kReloadUsage;

constexpr const char* kListUsage =
    "usage: mqauth permissions list --config FILE\n"
    "One line per rule: identity_type, identity, topic, permit_action, effect and its line in\n"
    "FILE; then the no_match line (DENY when the file does not say).\n";

const char* const kFields[] = {"identity_type", "identity", "topic", "permit_action", "effect"};

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    TextTable table({"identity_type", "identity", "topic", "permit_action", "effect", "line"});
    for (const yaml::YamlNode& rule : list_items(*config, kRules)) {
        std::vector<std::string> row;
        for (const char* field : kFields) row.push_back(field_text(rule, field));
        row.push_back(std::to_string(rule.position.line));
        table.add_row(std::move(row));
    }
    table.print(std::cout);
    const yaml::YamlNode* no_match = config->document.find({"permissions", "no_match"});
    std::cout << "no_match: "
              << (no_match
                      ? no_match->scalar + " (line " + std::to_string(no_match->position.line) + ")"
                      : std::string("DENY (the default)"))
              << "\n";
    return kExitOk;
}

// The rule's fields from the command line, canonical (enums in upper case).
editing::Fields rule_fields(const Arguments& args) {
    const auto type = enum_option(args, "identity-type", {"USER", "CLIENT"});
    const auto action = enum_option(args, "permit-action", {"PUB", "SUB", "PUB_SUB"});
    const auto effect = enum_option(args, "effect", {"ALLOW", "DENY"});
    if (!type) throw UsageError("--identity-type USER or CLIENT is required");
    if (!action) throw UsageError("--permit-action PUB, SUB or PUB_SUB is required");
    if (!effect) throw UsageError("--effect ALLOW or DENY is required");
    return {{"identity_type", editing::plain_scalar(*type)},
            {"identity", editing::quoted_scalar(required_option(args, "identity"))},
            {"topic", editing::quoted_scalar(required_option(args, "topic"))},
            {"permit_action", editing::plain_scalar(*action)},
            {"effect", editing::plain_scalar(*effect)}};
}

std::string describe_rule(const editing::Fields& rule) {
    return rule[4].value.text + " " + rule[3].value.text + " on \"" + rule[2].value.text +
           "\" for " + rule[0].value.text + " \"" + rule[1].value.text + "\"";
}

bool same_rule(const yaml::YamlNode& item, const editing::Fields& rule) {
    for (const editing::Field& field : rule) {
        if (field_text(item, field.key) != field.value.text) return false;
    }
    return true;
}

int run_add(const Arguments& args) {
    const editing::Fields rule = rule_fields(args);
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    for (const yaml::YamlNode& item : list_items(*config, kRules)) {
        if (same_rule(item, rule)) {
            std::cout << config->path() << ":" << item.position.line
                      << ": the rule is already there; nothing to change\n";
            return kExitOk;
        }
    }
    return commit_change(*config, config->document.append_item(kRules, rule),
                         "added " + describe_rule(rule), args);
}

std::optional<std::size_t> rule_on_line(const ConfigUnderEdit& config, const std::string& line) {
    const auto& rules = list_items(config, kRules);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (std::to_string(rules[i].position.line) == line) return i;
    }
    refuse(config, 0, "no rule starts on line " + line + " (see mqauth permissions list)");
    return std::nullopt;
}

std::optional<std::size_t> rule_with(const ConfigUnderEdit& config, const editing::Fields& rule) {
    const auto& rules = list_items(config, kRules);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (same_rule(rules[i], rule)) return i;
    }
    refuse(config, 0, "no rule " + describe_rule(rule) + " (see mqauth permissions list)");
    return std::nullopt;
}

int run_remove(const Arguments& args) {
    const auto line = args.option("line");
    const std::optional<editing::Fields> rule =
        line ? std::nullopt : std::optional<editing::Fields>(rule_fields(args));
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = line ? rule_on_line(*config, *line) : rule_with(*config, *rule);
    if (!index) return kExitRejected;
    const yaml::YamlNode& removed = list_items(*config, kRules)[*index];
    std::string what = "removed the rule";
    for (const char* field : kFields)
        what += std::string(" ") + field + "=" + field_text(removed, field);
    return commit_change(*config, config->document.remove_item(kRules, *index), what, args);
}

SubcommandVerb permissions_verb() {
    const std::vector<std::string> fields{"identity-type", "identity", "topic", "permit-action",
                                          "effect"};
    std::vector<std::string> remove_options = fields;
    remove_options.push_back("line");
    return {"permissions",
            kUsage,
            {{"add", kAddUsage.c_str(), editing_options(fields), editing_flags(), run_add},
             {"remove", kRemoveUsage.c_str(), editing_options(remove_options), editing_flags(),
              run_remove},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

VerbHelp permissions_help() {
    return help_of(permissions_verb());
}

int run_permissions(int argc, char** argv, int first) {
    return run_subcommand(permissions_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
