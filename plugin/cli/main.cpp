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
    {"devices", "list device certificates; activate, deactivate or revoke one",
     mqauth::cli::run_devices},
    {"token-sign", "the authorizer-signature of a custom authorizer's token",
     mqauth::cli::run_token_sign},
};

void print_usage(std::ostream& out) {
    out << "usage: mqauth VERB [ARGS]   (mqauth VERB --help for details)\n\nverbs:\n";
    for (const Verb& verb : kVerbs) out << "  " << verb.name << "\t" << verb.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        print_usage(std::cerr);
        return mqauth::cli::kExitUsage;
    }
    if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        print_usage(std::cout);
        return mqauth::cli::kExitOk;
    }
    for (const Verb& verb : kVerbs) {
        if (std::strcmp(argv[1], verb.name) != 0) continue;
        try {
            return verb.run(argc, argv, 2);
        } catch (const std::exception& error) {
            std::cerr << "mqauth " << verb.name << ": " << error.what() << "\n";
            return mqauth::cli::kExitRejected;
        }
    }
    std::cerr << "mqauth: unknown verb '" << argv[1] << "'\n";
    print_usage(std::cerr);
    return mqauth::cli::kExitUsage;
}
