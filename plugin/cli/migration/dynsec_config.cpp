// SPDX-License-Identifier: Apache-2.0
#include "migration/dynsec_config.h"

#include <climits>

#include <nlohmann/json.hpp>

namespace mqauth::cli::migration {
namespace {

using nlohmann::json;

// Reads one JSON file, collecting every problem with where it is.
class DynsecReader {
   public:
    explicit DynsecReader(std::vector<std::string>& errors) : errors_(errors) {}

    DynsecConfig read(const json& root) {
        DynsecConfig config;
        for_each(root, "roles",
                 [&](const json& item, const std::string& at) { role(item, at, config); });
        for_each(root, "clients",
                 [&](const json& item, const std::string& at) { client(item, at, config); });
        for_each(root, "groups",
                 [&](const json& item, const std::string& at) { group(item, at, config); });
        defaults(root, config.defaults);
        const json* anonymous = member(root, "anonymousGroup");
        if (anonymous && string_at(*anonymous, "anonymousGroup")) {
            config.anonymous_group = anonymous->get<std::string>();
        }
        return config;
    }

   private:
    template <typename Visit>
    void for_each(const json& parent, const char* key, Visit visit, const std::string& where = "") {
        const std::string path = where.empty() ? key : where + "." + key;
        const json* list = member(parent, key);
        if (!list) return;
        if (!list->is_array()) return error(path, "not a list");
        for (std::size_t i = 0; i < list->size(); ++i) {
            const std::string at = path + "[" + std::to_string(i) + "]";
            if (!(*list)[i].is_object()) {
                error(at, "not an object");
                continue;
            }
            visit((*list)[i], at);
        }
    }

    static const json* member(const json& object, const char* key) {
        const auto it = object.find(key);
        return it == object.end() || it->is_null() ? nullptr : &*it;
    }

    bool string_at(const json& value, const std::string& at) {
        if (value.is_string()) return true;
        error(at, "not a string");
        return false;
    }

    std::optional<std::string> required_string(const json& object, const char* key,
                                               const std::string& at) {
        const json* value = member(object, key);
        if (!value) {
            error(at, std::string("no ") + key);
            return std::nullopt;
        }
        if (!string_at(*value, at + "." + key)) return std::nullopt;
        return value->get<std::string>();
    }

    int integer(const json& object, const char* key, int fallback, const std::string& at) {
        const json* value = member(object, key);
        if (!value) return fallback;
        if (!value->is_number_integer() || value->get<long long>() < INT_MIN ||
            value->get<long long>() > INT_MAX) {
            error(at + "." + key, "not a whole number of an int's range");
            return fallback;
        }
        return static_cast<int>(value->get<long long>());
    }

    bool boolean(const json& object, const char* key, bool fallback, const std::string& at) {
        const json* value = member(object, key);
        if (!value) return fallback;
        if (!value->is_boolean()) {
            error(at + "." + key, "not true or false");
            return fallback;
        }
        return value->get<bool>();
    }

    std::vector<PriorityRef> refs(const json& object, const char* list, const char* name_key,
                                  const std::string& at) {
        std::vector<PriorityRef> found;
        for_each(
            object, list,
            [&](const json& item, const std::string& item_at) {
                if (auto name = required_string(item, name_key, item_at)) {
                    found.push_back({std::move(*name), integer(item, "priority", -1, item_at)});
                }
            },
            at);
        return found;
    }

    void role(const json& item, const std::string& at, DynsecConfig& config) {
        const auto name = required_string(item, "rolename", at);
        DynsecRole role;
        for_each(
            item, "acls",
            [&](const json& acl, const std::string& acl_at) {
                auto type = required_string(acl, "acltype", acl_at);
                auto topic = required_string(acl, "topic", acl_at);
                if (!type || !topic) return;
                role.acls.push_back({std::move(*type), std::move(*topic),
                                     boolean(acl, "allow", false, acl_at),
                                     integer(acl, "priority", 0, acl_at)});
            },
            at);
        if (name && !config.roles.emplace(*name, std::move(role)).second) {
            error(at, "role \"" + *name + "\" again");
        }
    }

    // 2.1's encoded_password, else 2.0's three fields, all or none.
    std::string credentials(const json& item, const std::string& at) {
        if (member(item, "encoded_password")) {
            return required_string(item, "encoded_password", at).value_or("");
        }
        const bool any =
            member(item, "password") || member(item, "salt") || member(item, "iterations");
        if (!any) return {};
        const auto password = required_string(item, "password", at);
        const auto salt = required_string(item, "salt", at);
        const json* iterations = member(item, "iterations");
        if (!iterations || !iterations->is_number_integer()) {
            error(at + ".iterations", "not a whole number");
            return {};
        }
        if (!password || !salt) return {};
        return "$7$" + std::to_string(iterations->get<long long>()) + "$" + *salt + "$" + *password;
    }

    void client(const json& item, const std::string& at, DynsecConfig& config) {
        const auto username = required_string(item, "username", at);
        DynsecClient client;
        client.credentials = credentials(item, at);
        if (member(item, "clientid")) client.client_id = required_string(item, "clientid", at);
        client.disabled = boolean(item, "disabled", false, at);
        client.roles = refs(item, "roles", "rolename", at);
        if (!username) return;
        if (find_client(config, *username)) return error(at, "client \"" + *username + "\" again");
        client.username = *username;
        config.clients.push_back(std::move(client));
    }

    void group(const json& item, const std::string& at, DynsecConfig& config) {
        const auto name = required_string(item, "groupname", at);
        DynsecGroup group;
        group.roles = refs(item, "roles", "rolename", at);
        const std::vector<PriorityRef> members = refs(item, "clients", "username", at);
        if (!name) return;
        for (const PriorityRef& member : members) {
            DynsecClient* client = find_client(config, member.name);
            if (!client) {
                error(at, "client \"" + member.name + "\" is not in clients");
                continue;
            }
            client->groups.push_back({*name, member.priority});
        }
        if (!config.groups.emplace(*name, std::move(group)).second) {
            error(at, "group \"" + *name + "\" again");
        }
    }

    static DynsecClient* find_client(DynsecConfig& config, const std::string& username) {
        for (DynsecClient& client : config.clients) {
            if (client.username == username) return &client;
        }
        return nullptr;
    }

    void defaults(const json& root, DynsecDefaults& out) {
        const json* access = member(root, "defaultACLAccess");
        if (!access) return;
        if (!access->is_object()) return error("defaultACLAccess", "not an object");
        // As the plugin: a key missing from the object means false.
        const std::string at = "defaultACLAccess";
        out.publish_client_send = boolean(*access, "publishClientSend", false, at);
        out.publish_client_receive = boolean(*access, "publishClientReceive", false, at);
        out.subscribe = boolean(*access, "subscribe", false, at);
        out.unsubscribe = boolean(*access, "unsubscribe", false, at);
    }

    void error(const std::string& at, const std::string& why) {
        errors_.push_back(at + ": " + why);
    }

    std::vector<std::string>& errors_;
};

}  // namespace

std::optional<DynsecConfig> parse_dynsec_config(std::string_view text,
                                                std::vector<std::string>& errors) {
    const json root = json::parse(text.begin(), text.end(), nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
        errors.push_back(root.is_discarded() ? "not JSON" : "not a JSON object");
        return std::nullopt;
    }
    const std::size_t before = errors.size();
    DynsecConfig config = DynsecReader(errors).read(root);
    if (errors.size() != before) return std::nullopt;
    return config;
}

}  // namespace mqauth::cli::migration
