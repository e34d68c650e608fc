// SPDX-License-Identifier: Apache-2.0
// mqauth identities add|remove|list: ApsaraMQ for MQTT's custom-auth identities
// (AddCustomAuthIdentity and its siblings) as entries of the config's `identities`.
#include <iostream>
#include <string>

#include "broker_reload.h"
#include "config/timestamp.h"
#include "config_change.h"
#include "io/paths.h"
#include "secret_input.h"
#include "subcommands.h"
#include "text_table.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

const editing::KeyPath kIdentities{"identities"};

constexpr const char* kUsage =
    "usage: mqauth identities add|remove|rotate|end-rotation|list --config FILE ...\n"
    "Identities (ApsaraMQ for MQTT's AddCustomAuthIdentity and its siblings):\n"
    "  add     add an identity: a USER identity any client id may use, or a CLIENT identity\n"
    "          bound to one client id, with an ORIGIN or SIGNED password\n"
    "  remove  remove one; the broker disconnects its clients when it reloads\n"
    "  rotate  give an identity a new secret; the old one stays accepted for a while\n"
    "  end-rotation  stop accepting the previous secret\n"
    "  list    the identities, with the line of each\n"
    "mqauth identities SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

const std::string kAddUsage =
    std::string(
        "usage: mqauth identities add --config FILE --username U --identity-type USER|CLIENT\n"
        "           [--client-id C] --sign-mode ORIGIN|SIGNED\n"
        "           [--secret-file FILE | --secret-env VARIABLE] [--reload]\n"
        "Adds an identity at the end of FILE's identities, keeping every comment and the layout,\n"
        "once the edited file loads as the broker would load it (then it replaces FILE durably,\n"
        "with its mode and owner). The secret never goes on the command line:\n"
        "  --secret-file FILE      the identity reads it from FILE (secret_file; one line)\n"
        "  --secret-env VARIABLE   from the broker's environment (secret_env)\n"
        "  neither                 one line of standard input, written into FILE (secret)\n"
        "--client-id is required for a CLIENT identity and refused for a USER one. Enum values "
        "may\n"
        "be given in any case.\n") +
    kReloadUsage;

const std::string kRemoveUsage =
    std::string(
        "usage: mqauth identities remove --config FILE --username U [--client-id C] [--reload]\n"
        "Removes the identity with that username (and client id, for a CLIENT identity; needed\n"
        "when the username has several). Comments around it stay. Once the broker reloads, the\n"
        "clients logged in with it are disconnected.\n") +
    kReloadUsage;

const std::string kRotateUsage =
    std::string(
        "usage: mqauth identities rotate --config FILE --username U [--client-id C]\n"
        "           [--secret-file FILE | --secret-env VARIABLE] [--previous-until TIME] "
        "[--reload]\n"
        "Secret rotation without an outage: the identity's secret becomes its previous secret\n"
        "(previous_secret, previous_secret_file or previous_secret_env, as it was given) and the\n"
        "new one (from --secret-file, --secret-env, or one line of standard input, as for add)\n"
        "its secret. Both are accepted until TIME (previous_secret_until, RFC 3339 with its UTC\n"
        "offset, e.g. 2026-12-31T23:59:59Z), or until `mqauth identities end-rotation`: devices\n"
        "move over one by one. Clients logged in with the old secret keep their sessions when the\n"
        "broker reloads, and are disconnected at TIME or at the end of the rotation; after that "
        "the\n"
        "old secret is refused (previous_secret_expired in the broker's log). An identity may\n"
        "carry one previous secret: end the running rotation first.\n") +
    kReloadUsage;

const std::string kEndRotationUsage =
    std::string(
        "usage: mqauth identities end-rotation --config FILE --username U [--client-id C] "
        "[--reload]\n"
        "Removes the identity's previous secret (and previous_secret_until): once the broker\n"
        "reloads, clients still logged in with it are disconnected and it is refused.\n") +
    kReloadUsage;

constexpr const char* kListUsage =
    "usage: mqauth identities list --config FILE\n"
    "One line per identity: username, identity_type, client_id, sign_mode, where its secret\n"
    "comes from (secret: in the file, file:PATH, env:NAME; never the secret itself), its\n"
    "previous secret during a rotation (\"-\", or until TIME, or \"until-removed\") and the\n"
    "line in FILE.\n";

// The secret keys of an identity: its secret, or the previous one of a rotation.
struct SecretKeys {
    const char* inline_key;
    const char* file_key;
    const char* env_key;
};
constexpr SecretKeys kSecret{"secret", "secret_file", "secret_env"};
constexpr SecretKeys kPrevious{"previous_secret", "previous_secret_file", "previous_secret_env"};

// The key the identity gives that secret with ("" when none).
std::string given_key(const yaml::YamlNode& item, const SecretKeys& keys) {
    for (const char* key : {keys.inline_key, keys.file_key, keys.env_key}) {
        if (editing::find_entry(item, key)) return key;
    }
    return "";
}

std::string secret_source(const yaml::YamlNode& item) {
    if (!field_text(item, "secret_file").empty()) return "file:" + field_text(item, "secret_file");
    if (!field_text(item, "secret_env").empty()) return "env:" + field_text(item, "secret_env");
    return "secret";
}

std::string previous_secret(const yaml::YamlNode& item) {
    if (given_key(item, kPrevious).empty()) return "-";
    const std::string until = field_text(item, "previous_secret_until");
    return until.empty() ? "until-removed" : "until:" + until;
}

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    TextTable table(
        {"username", "identity_type", "client_id", "sign_mode", "secret", "previous", "line"});
    for (const yaml::YamlNode& item : list_items(*config, kIdentities)) {
        table.add_row({field_text(item, "username"), field_text(item, "identity_type"),
                       field_text(item, "client_id"), field_text(item, "sign_mode"),
                       secret_source(item), previous_secret(item),
                       std::to_string(item.position.line)});
    }
    table.print(std::cout);
    return kExitOk;
}

// Where the new identity's secret comes from, as the fields that say so.
std::optional<editing::Field> secret_field(const Arguments& args, const char* subcommand) {
    const auto file = args.option(kSecretFileOption);
    const auto env = args.option(kSecretEnvOption);
    if (file && env) throw UsageError("give --secret-file or --secret-env, not both");
    // The broker resolves a relative secret_file against the config's directory; the operator
    // meant the one they named from here.
    if (file)
        return editing::Field{"secret_file", editing::quoted_scalar(io::absolute_path(*file))};
    if (env) return editing::Field{"secret_env", editing::quoted_scalar(*env)};
    const SecretInput input = read_secret_input(Arguments{}, false);
    if (!input.secret) {
        std::cerr << "mqauth identities " << subcommand << ": " << input.error << "\n";
        return std::nullopt;
    }
    return editing::Field{"secret", editing::quoted_scalar(std::string(input.secret->reveal()))};
}

// The index of the identity a command names, or nullopt after saying why not.
std::optional<std::size_t> find_identity(const ConfigUnderEdit& config, const std::string& username,
                                         const std::optional<std::string>& client_id) {
    const auto& items = list_items(config, kIdentities);
    std::optional<std::size_t> found;
    int matches = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (field_text(items[i], "username") != username) continue;
        if (client_id && field_text(items[i], "client_id") != *client_id) continue;
        found = i;
        ++matches;
    }
    if (matches == 1) return found;
    refuse(config, 0,
           matches == 0 ? "no identity \"" + username + "\"" +
                              (client_id ? " with client id \"" + *client_id + "\"" : "")
                        : "\"" + username + "\" names " + std::to_string(matches) +
                              " identities: give --client-id");
    return std::nullopt;
}

int run_add(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto type = enum_option(args, "identity-type", {"USER", "CLIENT"});
    const auto sign_mode = enum_option(args, "sign-mode", {"ORIGIN", "SIGNED"});
    if (!type) throw UsageError("--identity-type USER or CLIENT is required");
    if (!sign_mode) throw UsageError("--sign-mode ORIGIN or SIGNED is required");
    const auto client_id = args.option("client-id");
    if (*type == "CLIENT" && !client_id) throw UsageError("a CLIENT identity needs --client-id");
    if (*type == "USER" && client_id) throw UsageError("a USER identity takes no --client-id");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    for (const yaml::YamlNode& existing : list_items(*config, kIdentities)) {
        if (field_text(existing, "username") == username &&
            field_text(existing, "identity_type") == *type &&
            field_text(existing, "client_id") == client_id.value_or("")) {
            return refuse(*config, existing.position.line,
                          "identity \"" + username + "\" (" + *type +
                              (client_id ? ", client id " + *client_id : std::string()) +
                              ") exists already: remove it first, or rotate its secret");
        }
    }
    const auto secret = secret_field(args, "add");
    if (!secret) return kExitRejected;

    editing::Fields item{{"username", editing::quoted_scalar(username)},
                         {"identity_type", editing::plain_scalar(*type)}};
    if (client_id) item.push_back({"client_id", editing::quoted_scalar(*client_id)});
    item.push_back(*secret);
    item.push_back({"sign_mode", editing::plain_scalar(*sign_mode)});
    return commit_change(*config, config->document.append_item(kIdentities, item),
                         "added " + *type + " identity \"" + username + "\"", args);
}

int run_remove(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = find_identity(*config, username, args.option("client-id"));
    if (!index) return kExitRejected;
    return commit_change(*config, config->document.remove_item(kIdentities, *index),
                         "removed identity \"" + username + "\"", args);
}

// The previous secret's fields: the current one's value under the previous_ key of its form.
editing::Fields previous_fields(const yaml::YamlNode& item,
                                const std::optional<std::string>& until) {
    const std::string key = given_key(item, kSecret);
    const char* previous = key == kSecret.file_key  ? kPrevious.file_key
                           : key == kSecret.env_key ? kPrevious.env_key
                                                    : kPrevious.inline_key;
    editing::Fields fields{{previous, editing::quoted_scalar(field_text(item, key))}};
    if (until) fields.push_back({"previous_secret_until", editing::quoted_scalar(*until)});
    return fields;
}

int run_rotate(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto until = args.option("previous-until");
    if (until && !config::parse_timestamp(*until)) {
        throw UsageError(
            "--previous-until \"" + *until +
            "\" is not a date and time with its UTC offset, like 2026-12-31T23:59:59Z");
    }
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = find_identity(*config, username, args.option("client-id"));
    if (!index) return kExitRejected;
    const yaml::YamlNode& item = list_items(*config, kIdentities)[*index];
    if (!given_key(item, kPrevious).empty()) {
        return refuse(*config, item.position.line,
                      "identity \"" + username +
                          "\" is in a rotation already: end it first (mqauth identities "
                          "end-rotation)");
    }
    const auto secret = secret_field(args, "rotate");
    if (!secret) return kExitRejected;
    editing::Fields fields{*secret};
    for (editing::Field& field : previous_fields(item, until)) fields.push_back(std::move(field));
    std::vector<std::string> removed;
    if (given_key(item, kSecret) != secret->key) removed.push_back(given_key(item, kSecret));
    return commit_change(
        *config, config->document.set_item_fields(kIdentities, *index, fields, removed),
        "rotated the secret of identity \"" + username + "\"; the previous one is accepted " +
            (until ? "until " + *until : std::string("until end-rotation")),
        args);
}

int run_end_rotation(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = find_identity(*config, username, args.option("client-id"));
    if (!index) return kExitRejected;
    const yaml::YamlNode& item = list_items(*config, kIdentities)[*index];
    const std::string previous = given_key(item, kPrevious);
    if (previous.empty()) {
        std::cout << config->path() << ":" << item.position.line << ": identity \"" << username
                  << "\" has no previous secret; nothing to change\n";
        return kExitOk;
    }
    return commit_change(*config,
                         config->document.set_item_fields(kIdentities, *index, {},
                                                          {previous, "previous_secret_until"}),
                         "identity \"" + username + "\" accepts its current secret only", args);
}

SubcommandVerb identities_verb() {
    return {"identities",
            kUsage,
            {{"add", kAddUsage.c_str(),
              editing_options({"username", "identity-type", "client-id", "sign-mode",
                               kSecretFileOption, kSecretEnvOption}),
              editing_flags(), run_add},
             {"remove", kRemoveUsage.c_str(), editing_options({"username", "client-id"}),
              editing_flags(), run_remove},
             {"rotate", kRotateUsage.c_str(),
              editing_options(
                  {"username", "client-id", kSecretFileOption, kSecretEnvOption, "previous-until"}),
              editing_flags(), run_rotate},
             {"end-rotation", kEndRotationUsage.c_str(), editing_options({"username", "client-id"}),
              editing_flags(), run_end_rotation},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

VerbHelp identities_help() {
    return help_of(identities_verb());
}

int run_identities(int argc, char** argv, int first) {
    return run_subcommand(identities_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
