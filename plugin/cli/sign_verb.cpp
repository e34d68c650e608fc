// SPDX-License-Identifier: Apache-2.0
// mqauth sign: the SIGNED-mode password a device sends, for one client id or a list of them.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "arguments.h"
#include "identities/signed_password.h"
#include "secret_input.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

constexpr const char* kUsage =
    "usage: mqauth sign [--secret-file FILE | --secret-env VARIABLE | --secret SECRET]\n"
    "                   (--client-id CLIENT_ID | --client-ids FILE)\n"
    "Prints the password a client sends for a SIGNED identity:\n"
    "Base64(HMAC-SHA1(key = SECRET, message = CLIENT_ID)).\n"
    "The secret comes from --secret-file (one line ending is not part of it), from the\n"
    "environment variable --secret-env names, or, when neither is given, from one line of\n"
    "standard input. --secret puts it on the command line, where `ps` shows it to every user\n"
    "of the machine.\n"
    "--client-ids FILE signs every line of FILE (- for standard input; the secret then comes\n"
    "from --secret-file or --secret-env) and prints one password per line, in the same order.\n"
    "Exit status: 0 ok, 1 rejected (an unreadable or empty secret, an empty client id), 2 usage\n"
    "error.\n";

const std::vector<std::string> kOptions = {kSecretOption, kSecretFileOption, kSecretEnvOption,
                                           "client-id", "client-ids"};

int usage_error(const std::string& message) {
    std::cerr << "mqauth sign: " << message << "\n" << kUsage;
    return kExitUsage;
}

int rejected(const std::string& message) {
    std::cerr << "mqauth sign: " << message << "\n";
    return kExitRejected;
}

// Every line of `path` ("-": standard input), or nullopt after saying why.
std::optional<std::vector<std::string>> read_client_ids(const std::string& path) {
    std::ifstream file;
    if (path != "-") {
        file.open(path);
        if (!file) {
            rejected("--client-ids " + path + ": cannot read it");
            return std::nullopt;
        }
    }
    std::istream& in = path == "-" ? std::cin : file;
    std::vector<std::string> client_ids;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {
            rejected("--client-ids " + path + ":" + std::to_string(client_ids.size() + 1) +
                     ": an empty line; a client id is needed on every line");
            return std::nullopt;
        }
        client_ids.push_back(std::move(line));
    }
    return client_ids;
}

// A usage error, or "" when the command line names exactly one of --client-id and --client-ids.
std::string misuse(const Arguments& args) {
    if (!args.positionals.empty()) return "unexpected argument \"" + args.positionals[0] + "\"";
    const bool one = args.option("client-id").has_value();
    const bool many = args.option("client-ids").has_value();
    if (one == many)
        return one ? "give --client-id or --client-ids, not both"
                   : "--client-id (or --client-ids) is required";
    return "";
}

}  // namespace

VerbHelp sign_help() {
    return single_command_help(kUsage, kOptions);
}

int run_sign(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, kOptions, error);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    if (!args) return usage_error(error);
    if (const std::string wrong = misuse(*args); !wrong.empty()) return usage_error(wrong);
    const auto batch = args->option("client-ids");
    const SecretInput input = read_secret_input(*args, batch && *batch == "-");
    if (!input.secret) return input.usage ? usage_error(input.error) : rejected(input.error);
    const std::string_view secret = input.secret->reveal();
    if (!batch) {
        std::cout << identities::signed_password(secret, *args->option("client-id")) << "\n";
        return kExitOk;
    }
    const auto client_ids = read_client_ids(*batch);
    if (!client_ids) return kExitRejected;
    for (const std::string& client_id : *client_ids) {
        std::cout << identities::signed_password(secret, client_id) << "\n";
    }
    return kExitOk;
}

}  // namespace mqauth::cli
