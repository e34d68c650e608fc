// SPDX-License-Identifier: Apache-2.0
#include "config/authorizers_section.h"

#include "authorizers/function_url.h"
#include "config/signing_key_source.h"
#include "yaml/mapping_reader.h"
#include "yaml/text_rules.h"

namespace mqauth::config {
namespace {

using authorizers::Authorizer;
using authorizers::AuthorizerStatus;

std::optional<std::string> read_word(yaml::MappingReader& fields, const char* key,
                                     yaml::Presence presence, std::size_t max_chars) {
    auto text = fields.string(key, presence);
    if (text && !yaml::is_name_word(*text, max_chars)) {
        fields.report(key, "InvalidParameter: 1 to " + std::to_string(max_chars) +
                               " letters, digits, '_' or '-'");
        return std::nullopt;
    }
    return text;
}

std::optional<std::string> read_function_url(yaml::MappingReader& fields) {
    auto url = fields.string("func_urn", yaml::Presence::Required);
    if (!url) return std::nullopt;
    if (auto problem = authorizers::function_url_problem(*url)) {
        fields.report("func_urn", "InvalidParameter: " + *problem);
        return std::nullopt;
    }
    return url;
}

// A value that was read, or `fallback` when the key is absent; `ok` turns false when the key is
// present but its value was refused (already reported).
template <typename T>
T value_or_default(yaml::MappingReader& fields, const char* key, const std::optional<T>& value,
                   T fallback, bool& ok) {
    if (!value && fields.has(key)) ok = false;
    return value.value_or(fallback);
}

// timeout_ms, an mqauth extension: the broker waits for the function on its one thread.
std::optional<std::chrono::milliseconds> read_timeout(yaml::MappingReader& fields) {
    const auto millis = fields.integer("timeout_ms", yaml::Presence::Optional);
    if (!millis) return std::nullopt;
    if (*millis < 1 || *millis > authorizers::kMaxTimeout.count()) {
        fields.report("timeout_ms", "InvalidParameter: must be 1 to 10000 (milliseconds)");
        return std::nullopt;
    }
    return std::chrono::milliseconds(*millis);
}

// max_in_flight, an mqauth extension: how many calls to the function may be under way at once
// where the broker makes them off its thread (Mosquitto 2.1).
std::optional<std::size_t> read_max_in_flight(yaml::MappingReader& fields) {
    const auto count = fields.integer("max_in_flight", yaml::Presence::Optional);
    if (!count) return std::nullopt;
    if (*count < 1 || *count > static_cast<long long>(authorizers::kMaxInFlightLimit)) {
        fields.report("max_in_flight", "InvalidParameter: must be 1 to " +
                                           std::to_string(authorizers::kMaxInFlightLimit));
        return std::nullopt;
    }
    return static_cast<std::size_t>(*count);
}

// With signing enabled (Huawei IoTDA's default) the token and the key are mandatory.
bool read_signing(yaml::MappingReader& fields, const std::string& base_dir,
                  Authorizer& authorizer) {
    bool ok = true;
    authorizer.signing_enable =
        value_or_default(fields, "signing_enable",
                         fields.boolean("signing_enable", yaml::Presence::Optional), true, ok);
    const auto token =
        read_word(fields, "signing_token", yaml::Presence::Optional, kMaxSigningTokenChars);
    auto key = read_signing_key(fields, "signing_public_key", base_dir);
    if ((!token && fields.has("signing_token")) || (!key && fields.has("signing_public_key"))) {
        ok = false;
    }
    for (const char* required : {"signing_token", "signing_public_key"}) {
        if (authorizer.signing_enable && !fields.has(required)) {
            fields.report_here(std::string("MissingParameter: ") + required +
                               " is required while signing_enable is true (the default)");
            ok = false;
        }
    }
    if (token) authorizer.signing_token = crypto::Secret(*token);
    if (key) {
        authorizer.signing_public_key = std::move(key->key);
        authorizer.signing_public_key_der = std::move(key->der);
    }
    return ok;
}

// Every field but the name and URL, which the caller reads; false when one is invalid.
bool read_settings(yaml::MappingReader& fields, const std::string& base_dir,
                   Authorizer& authorizer) {
    bool ok = read_signing(fields, base_dir, authorizer);
    authorizer.default_authorizer =
        value_or_default(fields, "default_authorizer",
                         fields.boolean("default_authorizer", yaml::Presence::Optional), false, ok);
    authorizer.status = value_or_default(
        fields, "status",
        fields.enumeration<AuthorizerStatus>(
            "status",
            {{"ACTIVE", AuthorizerStatus::Active}, {"INACTIVE", AuthorizerStatus::Inactive}},
            yaml::Presence::Optional),
        AuthorizerStatus::Active, ok);
    authorizer.cache_enable =
        value_or_default(fields, "cache_enable",
                         fields.boolean("cache_enable", yaml::Presence::Optional), false, ok);
    authorizer.timeout = value_or_default(fields, "timeout_ms", read_timeout(fields),
                                          authorizers::kDefaultTimeout, ok);
    authorizer.max_in_flight = value_or_default(fields, "max_in_flight", read_max_in_flight(fields),
                                                authorizers::kDefaultMaxInFlight, ok);
    return ok;
}

std::optional<Authorizer> read_authorizer(const yaml::YamlNode& node, const std::string& path,
                                          const std::string& base_dir,
                                          yaml::Diagnostics& diagnostics) {
    yaml::MappingReader fields(node, path, diagnostics);
    if (!fields.valid()) return std::nullopt;
    Authorizer authorizer;
    auto name =
        read_word(fields, "authorizer_name", yaml::Presence::Required, kMaxAuthorizerNameChars);
    auto url = read_function_url(fields);
    const bool settings_ok = read_settings(fields, base_dir, authorizer);
    fields.finish();
    if (!name || !url || !settings_ok) return std::nullopt;
    authorizer.name = std::move(*name);
    authorizer.func_urn = std::move(*url);
    return authorizer;
}

}  // namespace

void read_authorizers(const yaml::YamlNode& list, const std::string& base_dir,
                      yaml::Diagnostics& diagnostics, authorizers::AuthorizerTable& table) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        const std::string path = "authorizers[" + std::to_string(i) + "]";
        auto authorizer = read_authorizer(list.items[i], path, base_dir, diagnostics);
        if (!authorizer) continue;
        const Authorizer* earlier_default = table.default_authorizer();
        if (authorizer->default_authorizer && earlier_default) {
            diagnostics.error(list.items[i].position, path + ".default_authorizer",
                              "InvalidParameter: \"" + earlier_default->name +
                                  "\" is already the default_authorizer (at most one)");
            continue;
        }
        const std::string name = authorizer->name;
        if (!table.add(std::move(*authorizer))) {
            diagnostics.error(list.items[i].position, path + ".authorizer_name",
                              "InvalidParameter: authorizer_name \"" + name + "\" is listed twice");
        }
    }
}

}  // namespace mqauth::config
