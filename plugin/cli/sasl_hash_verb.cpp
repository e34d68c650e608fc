// SPDX-License-Identifier: Apache-2.0
// mqauth sasl-hash --mechanism M [--iterations N]: salted SCRAM credentials for sasl_users.
#include <iostream>
#include <string>

#include "arguments.h"
#include "sasl/credentials.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

constexpr const char* kUsage =
    "usage: mqauth sasl-hash --mechanism SCRAM-SHA-256|SCRAM-SHA-512 [--iterations N]\n"
    "Reads a password from standard input (one line; the line ending is not part of it) and\n"
    "prints the credentials string for sasl_users[].credentials: the mechanism, the iteration\n"
    "count (default 4096, at least 4096), a random salt, StoredKey and ServerKey. The password\n"
    "itself is not stored and cannot be recovered from the string. The mechanism may be given\n"
    "in any case.\n"
    "Exit status: 0 ok, 1 empty password, 2 usage error.\n";

const std::vector<std::string> kOptions = {"mechanism", "iterations"};

int usage_error(const std::string& message) {
    std::cerr << "mqauth sasl-hash: " << message << "\n" << kUsage;
    return kExitUsage;
}

}  // namespace

VerbHelp sasl_hash_help() {
    return single_command_help(kUsage, kOptions);
}

int run_sasl_hash(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, kOptions, error);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    if (!args) return usage_error(error);
    if (!args->positionals.empty()) return usage_error("unexpected argument");
    const auto mechanism =
        sasl::mechanism_from_name(upper_case(args->option("mechanism").value_or("")));
    if (!mechanism) return usage_error("--mechanism SCRAM-SHA-256 or SCRAM-SHA-512 is required");
    const auto iterations =
        parse_number(args->option("iterations").value_or(std::to_string(sasl::kDefaultIterations)),
                     sasl::kMinIterations, sasl::kMaxIterations);
    if (!iterations) return usage_error("--iterations must be a number from 4096 to 10000000");

    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
        std::cerr << "mqauth sasl-hash: no password on standard input\n";
        return kExitRejected;
    }
    std::cout << sasl::format_credentials(
                     sasl::derive_credentials(*mechanism, password, static_cast<int>(*iterations)))
              << "\n";
    return kExitOk;
}

}  // namespace mqauth::cli
