// SPDX-License-Identifier: Apache-2.0
// mqauth authorizers add|update|remove|list: Huawei IoTDA's custom authenticators ("Create /
// Update / Delete a Custom Authenticator") as entries of the config's `authorizers`, with the
// API's field names.
#include <iostream>
#include <string>

#include "broker_reload.h"
#include "config_change.h"
#include "io/paths.h"
#include "subcommands.h"
#include "text_table.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

const editing::KeyPath kAuthorizers{"authorizers"};

constexpr const char* kUsage =
    "usage: mqauth authorizers add|update|remove|list --config FILE ...\n"
    "Custom authorizers (Huawei IoTDA's custom authenticators): an HTTP function decides a\n"
    "CONNECT, after the token signature check.\n"
    "  add     add an authorizer\n"
    "  update  change fields of one\n"
    "  remove  remove one; its clients are disconnected when the broker reloads\n"
    "  list    the authorizers, with the line of each\n"
    "mqauth authorizers SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

constexpr const char* kFieldHelp =
    "  --func-urn URL                 the function: JSON POST to an http(s) URL\n"
    "  --signing-enable true|false    check the token signature before calling it\n"
    "  --signing-token TOKEN          the token devices sign (with --signing-enable true)\n"
    "  --signing-public-key PEM_FILE  the RSA public key their signatures verify with\n"
    "  --default-authorizer true|false  decides TLS clients that send SNI and name none\n"
    "  --status ACTIVE|INACTIVE       an INACTIVE one decides nothing\n"
    "  --cache-enable true|false      cache its decisions (refresh_seconds)\n"
    "  --timeout-ms N                 how long a call may take (default 2000)\n"
    "  --max-in-flight N              calls under way at once (Mosquitto 2.1)\n";

const std::string kAddUsage =
    std::string(
        "usage: mqauth authorizers add --config FILE --authorizer-name NAME --func-urn URL\n"
        "           [FIELD OPTIONS] [--reload]\n"
        "Adds the authorizer at the end of FILE's authorizers, keeping comments and layout, once\n"
        "the edited file loads as the broker would load it. Field options (IoTDA's names):\n") +
    kFieldHelp + "Values may be given in any case.\n" + kReloadUsage;

const std::string kUpdateUsage =
    std::string(
        "usage: mqauth authorizers update --config FILE --authorizer-name NAME [FIELD OPTIONS]\n"
        "           [--reload]\n"
        "Sets the fields given, in place (a comment after a value stays), and leaves the others.\n"
        "Field options:\n") +
    kFieldHelp +
    "Made INACTIVE, the authorizer's clients are disconnected "
    "when the broker reloads.\n" +
    kReloadUsage;

const std::string kRemoveUsage =
    std::string(
        "usage: mqauth authorizers remove --config FILE --authorizer-name NAME [--reload]\n"
        "Removes the authorizer; its clients are disconnected when the broker reloads.\n") +
    kReloadUsage;

constexpr const char* kListUsage =
    "usage: mqauth authorizers list --config FILE\n"
    "One line per authorizer: authorizer_name, status, func_urn, signing_enable,\n"
    "default_authorizer, cache_enable (the loader's defaults for keys the file leaves out) and\n"
    "its line in FILE.\n";

const std::vector<std::string> kFieldOptions{
    "func-urn", "signing-enable", "signing-token", "signing-public-key", "default-authorizer",
    "status",   "cache-enable",   "timeout-ms",    "max-in-flight"};

std::string value_or(const yaml::YamlNode& item, const char* key, const char* fallback) {
    const std::string value = field_text(item, key);
    return value.empty() ? fallback : value;
}

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    TextTable table({"authorizer_name", "status", "func_urn", "signing_enable",
                     "default_authorizer", "cache_enable", "line"});
    for (const yaml::YamlNode& item : list_items(*config, kAuthorizers)) {
        table.add_row({field_text(item, "authorizer_name"), value_or(item, "status", "ACTIVE"),
                       field_text(item, "func_urn"), value_or(item, "signing_enable", "true"),
                       value_or(item, "default_authorizer", "false"),
                       value_or(item, "cache_enable", "false"),
                       std::to_string(item.position.line)});
    }
    table.print(std::cout);
    return kExitOk;
}

std::string number_option(const Arguments& args, const std::string& name) {
    // The loader checks the range; a number is all the command line must be.
    const auto value = parse_number(*args.option(name), 0, 999999999);
    if (!value) throw UsageError("--" + name + " must be a whole number");
    return std::to_string(*value);
}

// The fields the command line sets, with the config's names and spellings; the broker's loader
// checks the values (a URL, a readable key, limits) when the edit is validated.
editing::Fields field_options(const Arguments& args) {
    editing::Fields fields;
    auto add = [&](const char* key, editing::Scalar value) { fields.push_back({key, value}); };
    if (const auto url = args.option("func-urn")) add("func_urn", editing::quoted_scalar(*url));
    if (const auto on = enum_option(args, "signing-enable", {"true", "false"})) {
        add("signing_enable", editing::plain_scalar(*on));
    }
    if (const auto token = args.option("signing-token")) {
        add("signing_token", editing::quoted_scalar(*token));
    }
    if (const auto key = args.option("signing-public-key")) {
        add("signing_public_key", editing::quoted_scalar(io::absolute_path(*key)));
    }
    if (const auto on = enum_option(args, "default-authorizer", {"true", "false"})) {
        add("default_authorizer", editing::plain_scalar(*on));
    }
    if (const auto status = enum_option(args, "status", {"ACTIVE", "INACTIVE"})) {
        add("status", editing::plain_scalar(*status));
    }
    if (const auto on = enum_option(args, "cache-enable", {"true", "false"})) {
        add("cache_enable", editing::plain_scalar(*on));
    }
    if (args.option("timeout-ms")) {
        add("timeout_ms", editing::plain_scalar(number_option(args, "timeout-ms")));
    }
    if (args.option("max-in-flight")) {
        add("max_in_flight", editing::plain_scalar(number_option(args, "max-in-flight")));
    }
    return fields;
}

std::optional<std::size_t> find_authorizer(const ConfigUnderEdit& config, const std::string& name) {
    return find_item(config, kAuthorizers, "authorizer_name", name);
}

int run_add(const Arguments& args) {
    const std::string name = required_option(args, "authorizer-name");
    required_option(args, "func-urn");
    editing::Fields item{{"authorizer_name", editing::quoted_scalar(name)}};
    for (editing::Field& field : field_options(args)) item.push_back(std::move(field));
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    if (const auto existing = find_authorizer(*config, name)) {
        return refuse(*config, list_items(*config, kAuthorizers)[*existing].position.line,
                      "an authorizer named \"" + name + "\" exists already (use update)");
    }
    return commit_change(*config, config->document.append_item(kAuthorizers, item),
                         "added authorizer \"" + name + "\"", args);
}

// update and remove: the authorizer by name.
std::optional<std::size_t> named_authorizer(const ConfigUnderEdit& config,
                                            const std::string& name) {
    const auto index = find_authorizer(config, name);
    if (!index) refuse(config, 0, "no authorizer \"" + name + "\" (see mqauth authorizers list)");
    return index;
}

int run_update(const Arguments& args) {
    const std::string name = required_option(args, "authorizer-name");
    const editing::Fields fields = field_options(args);
    if (fields.empty()) throw UsageError("give at least one field to change");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = named_authorizer(*config, name);
    if (!index) return kExitRejected;
    std::string what = "updated authorizer \"" + name + "\":";
    for (const editing::Field& field : fields) what += " " + field.key;
    return commit_change(*config, config->document.set_item_fields(kAuthorizers, *index, fields),
                         what, args);
}

int run_remove(const Arguments& args) {
    const std::string name = required_option(args, "authorizer-name");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = named_authorizer(*config, name);
    if (!index) return kExitRejected;
    return commit_change(*config, config->document.remove_item(kAuthorizers, *index),
                         "removed authorizer \"" + name + "\"", args);
}

SubcommandVerb authorizers_verb() {
    std::vector<std::string> fields = kFieldOptions;
    fields.push_back("authorizer-name");
    return {"authorizers",
            kUsage,
            {{"add", kAddUsage.c_str(), editing_options(fields), editing_flags(), run_add},
             {"update", kUpdateUsage.c_str(), editing_options(fields), editing_flags(), run_update},
             {"remove", kRemoveUsage.c_str(), editing_options({"authorizer-name"}), editing_flags(),
              run_remove},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

VerbHelp authorizers_help() {
    return help_of(authorizers_verb());
}

int run_authorizers(int argc, char** argv, int first) {
    return run_subcommand(authorizers_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
