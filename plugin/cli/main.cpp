// SPDX-License-Identifier: Apache-2.0
// mqauth: the command-line tool, on the same core as the plugin.
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <vector>

#include "arguments.h"
#include "verbs.h"

namespace {

struct Verb {
    using Run = int (*)(int argc, char** argv, int first);
    // Its command lines, for the man page and the completion (help.h). A verb made of
    // subcommands returns help_of(its SubcommandVerb table); any other single_command_help(its
    // usage, the options and flags its parser takes).
    using Help = mqauth::cli::VerbHelp (*)();

    // Every field is required: a verb the man page and the completion would miss does not
    // compile.
    constexpr Verb(const char* name, const char* summary, Run run, Help help)
        : name(name), summary(summary), run(run), help(help) {}

    const char* name;
    const char* summary;
    Run run;
    Help help;
};

constexpr Verb kVerbs[] = {
    {"check", "validate a config file", mqauth::cli::run_check, mqauth::cli::check_help},
    {"sign", "print the SIGNED-mode password for a client id", mqauth::cli::run_sign,
     mqauth::cli::sign_help},
    {"sasl-hash", "salted SCRAM credentials for a SASL user (password on stdin)",
     mqauth::cli::run_sasl_hash, mqauth::cli::sasl_hash_help},
    {"identities", "add, remove or list identities (USER / CLIENT, ORIGIN / SIGNED)",
     mqauth::cli::run_identities, mqauth::cli::identities_help},
    {"permissions", "add, remove or list topic permission rules", mqauth::cli::run_permissions,
     mqauth::cli::permissions_help},
    {"sasl-users", "create, delete or list SASL users (password on stdin)",
     mqauth::cli::run_sasl_users, mqauth::cli::sasl_users_help},
    {"cas", "add, remove, activate, deactivate or list device-certificate CAs",
     mqauth::cli::run_cas, mqauth::cli::cas_help},
    {"sni", "set the SNI domain map (SetSniConfig's string) or list it", mqauth::cli::run_sni,
     mqauth::cli::sni_help},
    {"authorizers", "add, update, remove or list custom authorizers", mqauth::cli::run_authorizers,
     mqauth::cli::authorizers_help},
    {"devices", "list device certificates; activate, deactivate, revoke or delete one",
     mqauth::cli::run_devices, mqauth::cli::devices_help},
    {"explain", "how the broker would decide a CONNECT and a topic access, rule by rule",
     mqauth::cli::run_explain, mqauth::cli::explain_help},
    {"token-sign", "the authorizer-signature of a custom authorizer's token",
     mqauth::cli::run_token_sign, mqauth::cli::token_sign_help},
    {"import", "users and ACLs from a Mosquitto password_file or dynamic-security.json",
     mqauth::cli::run_import, mqauth::cli::import_help},
};

void print_usage(std::ostream& out) {
    out << "usage: mqauth VERB [ARGS]   (mqauth help VERB, or mqauth VERB --help, for details)\n"
           "       mqauth --version\n\nverbs:\n";
    for (const Verb& verb : kVerbs) out << "  " << verb.name << "\t" << verb.summary << "\n";
}

const Verb* find_verb(const char* name) {
    for (const Verb& verb : kVerbs) {
        if (std::strcmp(name, verb.name) == 0) return &verb;
    }
    return nullptr;
}

int unknown_verb(const char* name) {
    std::cerr << "mqauth: unknown verb '" << name << "'\n";
    print_usage(std::cerr);
    return mqauth::cli::kExitUsage;
}

int run_verb(const Verb& verb, int argc, char** argv, int first) {
    try {
        return verb.run(argc, argv, first);
    } catch (const std::exception& error) {
        std::cerr << "mqauth " << verb.name << ": " << error.what() << "\n";
        return mqauth::cli::kExitRejected;
    }
}

// `mqauth help VERB` is `mqauth VERB --help`, as git and mosquitto_ctrl users expect.
int run_help(int argc, char** argv) {
    if (argc < 3) {
        print_usage(std::cout);
        return mqauth::cli::kExitOk;
    }
    const Verb* verb = find_verb(argv[2]);
    if (!verb) return unknown_verb(argv[2]);
    char help[] = "--help";
    char* verb_argv[] = {argv[0], argv[2], help, nullptr};
    return run_verb(*verb, 3, verb_argv, 2);
}

bool is_one_of(const char* word, const char* a, const char* b) {
    return std::strcmp(word, a) == 0 || std::strcmp(word, b) == 0;
}

std::vector<mqauth::cli::VerbEntry> verb_entries() {
    std::vector<mqauth::cli::VerbEntry> entries;
    for (const Verb& verb : kVerbs) entries.push_back({verb.name, verb.summary, verb.help()});
    return entries;
}

// Not in the usage: the build writes the installed man page and completion with these
// (plugin/cli/CMakeLists.txt), from the tables above, to FILE or standard output.
int generate(int argc, char** argv) {
    std::ofstream file;
    if (argc > 2) file.open(argv[2], std::ios::binary | std::ios::trunc);
    std::ostream& out = argc > 2 ? file : std::cout;
    if (std::strcmp(argv[1], "--generate-man") == 0) {
        mqauth::cli::write_man_page(out, verb_entries(), MQAUTH_VERSION,
                                    {MQAUTH_PLUGIN_PATH, MQAUTH_CONFIG_PATH, MQAUTH_DROP_IN_PATH,
                                     MQAUTH_SCHEMA_PATH, MQAUTH_EXAMPLE_PATH});
    } else {
        mqauth::cli::write_bash_completion(out, verb_entries());
    }
    if (out.flush()) return mqauth::cli::kExitOk;
    std::cerr << "mqauth " << argv[1] << ": cannot write " << (argc > 2 ? argv[2] : "the output")
              << "\n";
    return mqauth::cli::kExitRejected;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_usage(std::cerr);
        return mqauth::cli::kExitUsage;
    }
    if (is_one_of(argv[1], "--help", "-h")) {
        print_usage(std::cout);
        return mqauth::cli::kExitOk;
    }
    if (is_one_of(argv[1], "--version", "-V")) {
        std::cout << "mqauth " << MQAUTH_VERSION << "\n";
        return mqauth::cli::kExitOk;
    }
    if (std::strcmp(argv[1], "help") == 0) return run_help(argc, argv);
    if (is_one_of(argv[1], "--generate-man", "--generate-bash-completion")) {
        return generate(argc, argv);
    }
    const Verb* verb = find_verb(argv[1]);
    return verb ? run_verb(*verb, argc, argv, 2) : unknown_verb(argv[1]);
}
