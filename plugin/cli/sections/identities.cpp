// mqauth identities add|remove|list: ApsaraMQ for MQTT's custom-auth identities
// (AddCustomAuthIdentity and its siblings) as entries of the config's `identities`.
#include <iostream>
#include <string>

#include "broker_reload.h"
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
    "usage: mqauth identities add|remove|list --config FILE ...\n"
    "Identities (ApsaraMQ for MQTT's AddCustomAuthIdentity and its siblings):\n"
    "  add     add an identity: a USER identity any client id may use, or a CLIENT identity\n"
    "          bound to one client id, with an ORIGIN or SIGNED password\n"
    "  remove  remove one; the broker disconnects its clients when it reloads\n"
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

constexpr const char* kListUsage =
    "usage: mqauth identities list --config FILE\n"
    "One line per identity: username, identity_type, client_id, sign_mode, where its secret\n"
    "comes from (secret: in the file, file:PATH, env:NAME; never the secret itself) and the\n"
    "line in FILE.\n";

std::string secret_source(const yaml::YamlNode& item) {
    if (!field_text(item, "secret_file").empty()) return "file:" + field_text(item, "secret_file");
    if (!field_text(item, "secret_env").empty()) return "env:" + field_text(item, "secret_env");
    return "secret";
}

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    TextTable table({"username", "identity_type", "client_id", "sign_mode", "secret", "line"});
    for (const yaml::YamlNode& item : list_items(*config, kIdentities)) {
        table.add_row({field_text(item, "username"), field_text(item, "identity_type"),
                       field_text(item, "client_id"), field_text(item, "sign_mode"),
                       secret_source(item), std::to_string(item.position.line)});
    }
    table.print(std::cout);
    return kExitOk;
}

// Where the new identity's secret comes from, as the fields that say so.
std::optional<editing::Field> secret_field(const Arguments& args) {
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
        std::cerr << "mqauth identities add: " << input.error << "\n";
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
    const auto secret = secret_field(args);
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

SubcommandVerb identities_verb() {
    return {"identities",
            kUsage,
            {{"add", kAddUsage.c_str(),
              editing_options({"username", "identity-type", "client-id", "sign-mode",
                               kSecretFileOption, kSecretEnvOption}),
              editing_flags(), run_add},
             {"remove", kRemoveUsage.c_str(), editing_options({"username", "client-id"}),
              editing_flags(), run_remove},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

int run_identities(int argc, char** argv, int first) {
    return run_subcommand(identities_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
