// SPDX-License-Identifier: Apache-2.0
#include "migration/dynsec_import.h"

#include <strings.h>
#include <algorithm>

#include "config/sasl_users_section.h"
#include "migration/filter_overlap.h"
#include "permissions/topic_levels.h"
#include "sasl/mosquitto_hash.h"

namespace mqauth::cli::migration {
namespace {

// The plugin compares acltype without case (strcasecmp).
bool is_type(const DynsecAcl& acl, const char* type) {
    return strcasecmp(acl.type.c_str(), type) == 0;
}

struct AclMapping {
    std::string action;  // PUB or SUB; empty when the ACL does not map
    std::string why;     // why it does not map, or what the mapping changes
};

AclMapping action_of(const DynsecAcl& acl) {
    if (is_type(acl, "publishClientSend") || is_type(acl, "subscribePattern")) {
        return {is_type(acl, "subscribePattern") ? "SUB" : "PUB", ""};
    }
    if (is_type(acl, "subscribeLiteral")) {
        if (acl.topic.find_first_of("+#") == std::string::npos) return {"SUB", ""};
        // A wildcard taken literally: mqauth reads it as a filter, which only a DENY may widen.
        if (acl.allow) return {"", "as a filter it would allow every subscription within it"};
        return {"SUB",
                "mapped to a DENY of every subscription within the filter, where dynsec "
                "denies only this exact one"};
    }
    if (is_type(acl, "publishClientReceive")) {
        return {"",
                "mqauth delivers what a client's SUB rules allow; it has no rule for "
                "deliveries alone"};
    }
    if (is_type(acl, "unsubscribeLiteral") || is_type(acl, "unsubscribePattern")) {
        return {"", "mqauth always lets a client unsubscribe"};
    }
    return {"", "an acltype the plugin does not know"};
}

bool has_placeholder_level(std::string_view topic) {
    permissions::TopicLevels levels(topic);
    while (!levels.done()) {
        const std::string_view level = levels.next();
        if (level == "%u" || level == "%c") return true;
    }
    return false;
}

AclMapping map_acl(const DynsecAcl& acl) {
    AclMapping mapping = action_of(acl);
    if (mapping.action.empty()) return mapping;
    if (const auto why = permissions::rule_filter_error(acl.topic)) {
        return {"", "not a topic filter mqauth takes: " + std::string(*why)};
    }
    if (has_placeholder_level(acl.topic)) {
        return {"", "mqauth would read %u or %c in it as a placeholder"};
    }
    return mapping;
}

std::string describe(const DynsecAcl& acl) {
    return acl.type + (acl.allow ? " ALLOW \"" : " DENY \"") + acl.topic + "\"";
}

// Each role's ACLs that do not map exactly, reported once per role (not once per client).
void report_roles(const DynsecConfig& config, const std::string& path, Import& import) {
    for (const auto& [name, role] : config.roles) {
        for (const DynsecAcl& acl : role.acls) {
            const AclMapping mapping = map_acl(acl);
            if (mapping.why.empty()) continue;
            import.not_mapped.push_back(path + ": role \"" + name + "\": " + describe(acl) + ": " +
                                        mapping.why);
        }
    }
}

void report_defaults(const DynsecConfig& config, const std::string& path, Import& import) {
    const DynsecDefaults& access = config.defaults;
    const std::string at = path + ": defaultACLAccess.";
    if (access.publish_client_send) {
        import.not_mapped.push_back(at +
                                    "publishClientSend is true: dynsec allows a publish no "
                                    "ACL matches, mqauth's no_match: DENY refuses it");
    }
    if (access.subscribe) {
        import.not_mapped.push_back(at +
                                    "subscribe is true: dynsec allows a subscription no ACL "
                                    "matches, mqauth's no_match: DENY refuses it");
    }
    if (!access.publish_client_receive) {
        import.not_mapped.push_back(at +
                                    "publishClientReceive is false: dynsec holds back a "
                                    "delivery no ACL allows, mqauth delivers what the "
                                    "client's SUB rules allow");
    }
    if (!access.unsubscribe) {
        import.not_mapped.push_back(at +
                                    "unsubscribe is false: mqauth always lets a client "
                                    "unsubscribe");
    }
    if (config.anonymous_group) {
        import.not_mapped.push_back(path + ": anonymousGroup \"" + *config.anonymous_group +
                                    "\": mqauth gives clients without a username no rules of "
                                    "their own (`anonymous` and no_match decide)");
    }
}

// One ACL as dynsec checks it for a client.
struct Checked {
    const std::string* role;
    const DynsecAcl* acl;
    std::string action;
};

std::vector<PriorityRef> by_priority(std::vector<PriorityRef> refs) {
    std::stable_sort(refs.begin(), refs.end(), [](const PriorityRef& a, const PriorityRef& b) {
        return a.priority != b.priority ? a.priority > b.priority : a.name < b.name;
    });
    return refs;
}

// A role's mapped ACLs in the plugin's order: by priority, highest first, and a subscription's
// literal ACLs before its patterns.
void append_role(const std::string& name, const DynsecRole& role, std::vector<Checked>& order) {
    std::vector<Checked> mapped;
    for (const DynsecAcl& acl : role.acls) {
        AclMapping mapping = map_acl(acl);
        if (!mapping.action.empty()) mapped.push_back({&name, &acl, std::move(mapping.action)});
    }
    std::stable_sort(mapped.begin(), mapped.end(), [](const Checked& a, const Checked& b) {
        const bool a_pattern = is_type(*a.acl, "subscribePattern");
        const bool b_pattern = is_type(*b.acl, "subscribePattern");
        if (a_pattern != b_pattern) return b_pattern;
        return a.acl->priority > b.acl->priority;
    });
    order.insert(order.end(), mapped.begin(), mapped.end());
}

class ClientImport {
   public:
    ClientImport(const DynsecConfig& config, const std::string& path, Import& import)
        : config_(config), path_(path), import_(import) {}

    void run(const DynsecClient& client) {
        where_ = path_ + ": client \"" + client.username + "\": ";
        const auto credentials = importable(client);
        if (!credentials) return;
        import_.users.push_back({client.username, *credentials});
        const std::vector<Checked> order = checked_order(client);
        for (const Checked& checked : order) {
            import_.add_rule({client.username, checked.acl->topic, checked.action,
                              checked.acl->allow ? "ALLOW" : "DENY"});
        }
        report_order(order);
    }

   private:
    // The client's hash in the $7$ form, or nullopt after saying why it is left out.
    std::optional<std::string> importable(const DynsecClient& client) {
        if (client.disabled) return not_imported("disabled");
        if (client.client_id) {
            return not_imported("bound to client id \"" + *client.client_id +
                                "\", and a SASL user may use any client id (make a CLIENT "
                                "identity for it by hand)");
        }
        if (client.credentials.empty()) return not_imported("no password to log in with");
        if (const auto why = config::sasl_username_problem(client.username)) {
            return not_imported("username: " + *why);
        }
        std::string why;
        const auto hash = sasl::parse_mosquitto_hash(client.credentials, why);
        if (hash) return sasl::format_mosquitto_hash(*hash);
        if (client.credentials.rfind("$argon2id$", 0) == 0) {
            return not_imported(why + " (give it a new password: mqauth sasl-users create)");
        }
        import_.unreadable.push_back(where_ + "password: " + why);
        return std::nullopt;
    }

    std::nullopt_t not_imported(const std::string& why) {
        import_.not_mapped.push_back(where_ + why + ": not imported");
        return std::nullopt;
    }

    // Its roles, then its groups' roles, each list by priority: the order the plugin checks.
    std::vector<Checked> checked_order(const DynsecClient& client) {
        std::vector<Checked> order;
        add_roles(client.roles, order);
        for (const PriorityRef& group : by_priority(client.groups)) {
            const auto found = config_.groups.find(group.name);
            if (found != config_.groups.end()) add_roles(found->second.roles, order);
        }
        return order;
    }

    void add_roles(const std::vector<PriorityRef>& roles, std::vector<Checked>& order) {
        for (const PriorityRef& ref : by_priority(roles)) {
            const auto found = config_.roles.find(ref.name);
            if (found == config_.roles.end()) {
                import_.not_mapped.push_back(where_ + "role \"" + ref.name +
                                             "\" is not defined (the plugin ignores it too)");
                continue;
            }
            append_role(found->first, found->second, order);
        }
    }

    // An ALLOW the plugin checks before an overlapping DENY decides their overlap; in mqauth
    // the DENY does.
    void report_order(const std::vector<Checked>& order) {
        for (std::size_t i = 0; i < order.size(); ++i) {
            for (std::size_t j = i + 1; j < order.size(); ++j) {
                const Checked& allow = order[i];
                const Checked& deny = order[j];
                if (!allow.acl->allow || deny.acl->allow || allow.action != deny.action ||
                    !filters_overlap(allow.acl->topic, deny.acl->topic)) {
                    continue;
                }
                import_.not_mapped.push_back(
                    where_ + "role \"" + *allow.role + "\"'s " + describe(*allow.acl) +
                    " comes before role \"" + *deny.role + "\"'s " + describe(*deny.acl) +
                    ": dynsec allows what both match, mqauth's DENY refuses it");
            }
        }
    }

    const DynsecConfig& config_;
    const std::string& path_;
    Import& import_;
    std::string where_;
};

}  // namespace

Import map_dynamic_security(const DynsecConfig& config, const std::string& path) {
    Import import;
    report_defaults(config, path, import);
    report_roles(config, path, import);
    ClientImport clients(config, path, import);
    for (const DynsecClient& client : config.clients) clients.run(client);
    return import;
}

Import import_dynamic_security(std::string_view json, const std::string& path) {
    std::vector<std::string> errors;
    const auto config = parse_dynsec_config(json, errors);
    if (!config) {
        Import import;
        for (const std::string& error : errors) import.unreadable.push_back(path + ": " + error);
        return import;
    }
    return map_dynamic_security(*config, path);
}

}  // namespace mqauth::cli::migration
