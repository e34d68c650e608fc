// mqauth: the command-line tool, on the same core as the plugin.
#include <cstring>
#include <exception>
#include <iostream>

#include "arguments.h"
#include "verbs.h"

namespace {

struct Verb {
    const char* name;
    const char* summary;
    int (*run)(int argc, char** argv, int first);
};

constexpr Verb kVerbs[] = {
    {"check", "validate a config file", mqauth::cli::run_check},
    {"sign", "print the SIGNED-mode password for a client id", mqauth::cli::run_sign},
    {"sasl-hash", "salted SCRAM credentials for a SASL user (password on stdin)",
     mqauth::cli::run_sasl_hash},
    {"identities", "add, remove or list identities (USER / CLIENT, ORIGIN / SIGNED)",
     mqauth::cli::run_identities},
    {"permissions", "add, remove or list topic permission rules", mqauth::cli::run_permissions},
    {"sasl-users", "create, delete or list SASL users (password on stdin)",
     mqauth::cli::run_sasl_users},
    {"cas", "add, remove, activate, deactivate or list device-certificate CAs",
     mqauth::cli::run_cas},
    {"sni", "set the SNI domain map (SetSniConfig's string) or list it", mqauth::cli::run_sni},
    {"authorizers", "add, update, remove or list custom authorizers", mqauth::cli::run_authorizers},
    {"devices", "list device certificates; activate, deactivate, revoke or delete one",
     mqauth::cli::run_devices},
    {"explain", "how the broker would decide a CONNECT and a topic access, rule by rule",
     mqauth::cli::run_explain},
    {"token-sign", "the authorizer-signature of a custom authorizer's token",
     mqauth::cli::run_token_sign},
    {"import", "users and ACLs from a Mosquitto password_file or dynamic-security.json",
     mqauth::cli::run_import},
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
    const Verb* verb = find_verb(argv[1]);
    return verb ? run_verb(*verb, argc, argv, 2) : unknown_verb(argv[1]);
}
