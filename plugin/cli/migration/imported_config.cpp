// SPDX-License-Identifier: Apache-2.0
#include "migration/imported_config.h"

#include <algorithm>

namespace mqauth::cli::migration {
namespace {

// Two-space indentation, as config/auth.yaml and the README's examples.
std::string block_list(const char* key, int indent, const std::vector<editing::Fields>& items) {
    std::string text = std::string(static_cast<std::size_t>(indent), ' ') + key;
    if (items.empty()) return text + ": []\n";  // an empty `key:` would be null, not a list
    text += ":\n";
    for (const editing::Fields& item : items) {
        text += editing::block_item(indent + 2, indent + 4, item, "\n");
    }
    return text;
}

}  // namespace

void Import::add_rule(ImportedRule rule) {
    if (std::find(rules.begin(), rules.end(), rule) == rules.end())
        rules.push_back(std::move(rule));
}

editing::Fields user_fields(const ImportedUser& user) {
    return {{"username", editing::quoted_scalar(user.username)},
            {"type", editing::plain_scalar("plain")},
            {"credentials", editing::quoted_scalar(user.credentials)}};
}

editing::Fields rule_fields(const ImportedRule& rule) {
    return {{"identity_type", editing::plain_scalar("USER")},
            {"identity", editing::quoted_scalar(rule.username)},
            {"topic", editing::quoted_scalar(rule.topic)},
            {"permit_action", editing::plain_scalar(rule.permit_action)},
            {"effect", editing::plain_scalar(rule.effect)}};
}

std::string render_config(const Import& import) {
    std::vector<editing::Fields> users;
    for (const ImportedUser& user : import.users) users.push_back(user_fields(user));
    std::string text = "version: 1\n" + block_list("sasl_users", 0, users);
    if (import.rules.empty()) return text;
    std::vector<editing::Fields> rules;
    for (const ImportedRule& rule : import.rules) rules.push_back(rule_fields(rule));
    return text + "permissions:\n  no_match: DENY\n" + block_list("rules", 2, rules);
}

}  // namespace mqauth::cli::migration
