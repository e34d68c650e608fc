// SPDX-License-Identifier: Apache-2.0
// mqauth import password-file|dynamic-security FILE [--config CFG]: another Mosquitto setup's
// users (with the password hashes they have) and ACLs, as mqauth config: printed, or appended to
// CFG through the editing module every verb uses.
#include <iostream>

#include "broker_reload.h"
#include "config_change.h"
#include "io/regular_file.h"
#include "migration/dynsec_import.h"
#include "migration/password_file_import.h"
#include "subcommands.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

using migration::Import;

constexpr const char* kUsage =
    "usage: mqauth import password-file|dynamic-security FILE [--config CFG [--reload]]\n"
    "Moves users and ACLs from Mosquitto's own authentication to mqauth:\n"
    "  password-file     a password_file (mosquitto_passwd's user:HASH lines)\n"
    "  dynamic-security  the dynamic-security plugin's dynamic-security.json\n"
    "Without --config, prints the equivalent config (plain SASL users, permission rules) on\n"
    "standard output; with it, appends them to CFG. Users keep their passwords: their Mosquitto\n"
    "hashes become their credentials.\n"
    "mqauth import SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

const std::string kPasswordFileUsage =
    std::string(
        "usage: mqauth import password-file FILE [--config CFG [--reload]]\n"
        "Reads a Mosquitto password_file, as mosquitto_passwd writes it: one user:HASH line per\n"
        "user, HASH being $7$ (PBKDF2-SHA512, mosquitto_passwd's default) or $6$ (salted\n"
        "SHA-512, -H sha512). Each user becomes a plain SASL user whose credentials are its hash,\n"
        "so every device keeps its password.\n"
        "Without --config, prints a config with those users on standard output (`mqauth check`\n"
        "takes it). With --config, appends them to CFG's sasl_users; comments and layout are "
        "kept,\n"
        "and the edited file must load as the broker would load it before it replaces CFG.\n"
        "Refused, with nothing printed or written (exit 1), when any line cannot be read or\n"
        "mapped (each named as FILE:LINE on standard error: not user:HASH, a hash mqauth cannot\n"
        "verify such as Mosquitto 2.1's $argon2id$, a username twice or one a SASL user cannot\n"
        "have: over 64 characters, or with a '|'), or with --config when a username is a SASL\n"
        "user of CFG already.\n") +
    kReloadUsage;

const std::string kDynamicSecurityUsage =
    std::string(
        "usage: mqauth import dynamic-security FILE [--config CFG [--reload]]\n"
        "Reads the dynamic-security plugin's JSON file. Each client becomes a plain SASL user\n"
        "whose credentials are its PBKDF2-SHA512 hash in the $7$ form; the ACLs of its roles and\n"
        "of its groups' roles become USER permission rules: publishClientSend as PUB,\n"
        "subscribePattern and subscribeLiteral as SUB, allow as ALLOW or DENY.\n"
        "What does not map is left out and reported on standard error, one line each, and the\n"
        "rest is imported (exit 0): publishClientReceive and unsubscribe ACLs, a subscribeLiteral\n"
        "ALLOW with a wildcard, disabled clients, clients bound to a client id or without a\n"
        "password, argon2id hashes, usernames a SASL user cannot have, anonymousGroup, a\n"
        "defaultACLAccess other than mqauth's, and every ALLOW the plugin checks before an\n"
        "overlapping DENY (dynsec: the first match by priority decides; mqauth: a DENY beats any\n"
        "ALLOW).\n"
        "Without --config, prints the config on standard output; with --config, appends the\n"
        "users to CFG's sasl_users and the rules to its permissions.rules, as password-file does.\n"
        "Refused, with nothing printed or written (exit 1), when the file is not such JSON (each\n"
        "problem named with its place) or with --config when a username is taken.\n") +
    kReloadUsage;

std::string file_argument(const Arguments& args) {
    if (args.positionals.empty()) throw UsageError("FILE is required");
    return args.positionals.front();
}

// Whether none of the imported usernames is a SASL user of CFG already; false after naming each
// one that is, with its line.
bool usernames_free(const ConfigUnderEdit& config, const Import& import) {
    bool free = true;
    for (const migration::ImportedUser& user : import.users) {
        if (const auto index = find_item(config, {"sasl_users"}, "username", user.username)) {
            refuse(config, list_items(config, {"sasl_users"})[*index].position.line,
                   "SASL user \"" + user.username + "\" exists already");
            free = false;
        }
    }
    return free;
}

int append_to_config(const Arguments& args, const Import& import, const std::string& from) {
    const auto config = open_config_for_edit(args);
    if (!config || !usernames_free(*config, import)) return kExitRejected;
    if (import.users.empty() && import.rules.empty()) {
        std::cout << from << ": nothing to import\n";
        return kExitOk;
    }
    std::vector<std::pair<editing::KeyPath, editing::Fields>> items;
    for (const auto& user : import.users) items.push_back({{"sasl_users"}, user_fields(user)});
    for (const auto& rule : import.rules) {
        items.push_back({{"permissions", "rules"}, rule_fields(rule)});
    }
    return commit_change(*config, config->document.append_items(items),
                         "imported " + std::to_string(import.users.size()) + " SASL users and " +
                             std::to_string(import.rules.size()) + " permission rules from " + from,
                         args);
}

// Prints what was left out, then what could not be read, on stderr; false when anything could
// not (then nothing is imported).
bool report(const Import& import, const std::string& path) {
    for (const std::string& line : import.not_mapped) std::cerr << line << "\n";
    if (import.unreadable.empty()) return true;
    for (const std::string& line : import.unreadable) std::cerr << line << "\n";
    std::cerr << path << ": nothing imported\n";
    return false;
}

int run_import(const Arguments& args, Import (*importer)(std::string_view, const std::string&)) {
    const std::string path = file_argument(args);
    if (args.flag(kReloadFlag) && !args.option("config")) {
        throw UsageError("--reload needs --config");
    }
    const io::FileRead file = io::read_regular_file(path, io::kMaxConfigBytes);
    if (!file.text) {
        std::cerr << path << ": " << file.error << "\n";
        return kExitRejected;
    }
    const Import import = importer(*file.text, path);
    if (!report(import, path)) return kExitRejected;
    if (!args.option("config")) {
        std::cout << render_config(import);
        return kExitOk;
    }
    return append_to_config(args, import, path);
}

int run_password_file(const Arguments& args) {
    return run_import(args, migration::import_password_file);
}

int run_dynamic_security(const Arguments& args) {
    return run_import(args, migration::import_dynamic_security);
}

SubcommandVerb import_verb() {
    return {"import",
            kUsage,
            {{"password-file", kPasswordFileUsage.c_str(), editing_options({}), editing_flags(),
              run_password_file, 1},
             {"dynamic-security", kDynamicSecurityUsage.c_str(), editing_options({}),
              editing_flags(), run_dynamic_security, 1}}};
}

}  // namespace

VerbHelp import_help() {
    return help_of(import_verb());
}

int run_import(int argc, char** argv, int first) {
    return run_subcommand(import_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
