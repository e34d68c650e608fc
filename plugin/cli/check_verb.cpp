// SPDX-License-Identifier: Apache-2.0
// mqauth check FILE: validates a config exactly as the plugin would load it, and, run as root,
// whether the broker's user can read what it names.
#include <unistd.h>

#include <iostream>

#include "arguments.h"
#include "broker_user_access.h"
#include "config/loader.h"
#include "io/paths.h"
#include "io/regular_file.h"
#include "policy_summary.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

constexpr const char* kUsage =
    "usage: mqauth check [--broker-user USER] FILE\n"
    "Validates an mqauth config (auth.yaml) as the broker plugin loads it.\n"
    "Prints every error (and warning) as FILE:LINE:COL: key.path: message.\n"
    "Run as root, it also opens FILE and every file FILE names (secret_file, password_file,\n"
    "CA files, SNI certificates and keys, signing_public_key) as the broker's user would, since\n"
    "the broker reads them as that user at every reload: each one it cannot read is an error,\n"
    "and an SQLite registry whose directory it cannot write is a warning. --broker-user names\n"
    "that user (default mosquitto, as Debian runs the broker).\n"
    "Exit status: 0 valid, 1 invalid (or unreadable by the broker's user), 2 usage error.\n";

const std::vector<std::string> kOptions = {"broker-user"};

constexpr const char* kDefaultBrokerUser = "mosquitto";

int usage_error(const std::string& message) {
    std::cerr << "mqauth check: " << message << "\n" << kUsage;
    return kExitUsage;
}

std::string located(const std::string& file, const AccessProblem& problem,
                    const std::string& user) {
    const std::string message = "the broker's user " + user + " " + problem.what;
    if (!problem.file) return file + ": " + message;
    return yaml::format_diagnostic(
        file, yaml::Diagnostic{problem.file->position, problem.file->key_path, message});
}

// Root reads everything; the broker will not. kExitOk when the broker's user can read every
// file, else the exit status.
int check_broker_user(const std::string& file, const std::string& text, const std::string& user,
                      bool user_given) {
    const std::vector<NamedFile> files = files_named_in(text, io::directory_of(file));
    const AccessCheck check = check_as_user(user, file, files);
    if (!check.error.empty()) {
        if (user_given) return usage_error(check.error);
        std::cerr << "note: " << check.error << "; what the broker's user can read was not "
                  << "checked (--broker-user USER)\n";
        return kExitOk;
    }
    int status = kExitOk;
    for (const AccessProblem& problem : check.problems) {
        const bool warning = problem.file && problem.file->need == NamedFile::Need::WriteDirectory;
        std::cerr << located(file, problem, user) << (warning ? " (warning)" : "") << "\n";
        if (!warning) status = kExitRejected;
    }
    return status;
}

}  // namespace

VerbHelp check_help() {
    return single_command_help(kUsage, kOptions, {}, true);
}

int run_check(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, kOptions, error);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    if (!args) return usage_error(error);
    if (args->positionals.size() != 1) return usage_error("expected one FILE");
    const std::string& file = args->positionals.front();
    const config::LoadResult result = config::load_file(file);
    for (const std::string& line : result.formatted_warnings()) {
        std::cerr << line << " (warning)\n";
    }
    if (!result.ok()) {
        for (const std::string& line : result.formatted_errors()) std::cerr << line << "\n";
        return kExitRejected;
    }
    if (::geteuid() == 0) {
        const auto user = args->option("broker-user");
        const io::FileRead text = io::read_regular_file(file, io::kMaxConfigBytes);
        const int status = check_broker_user(file, text.text.value_or(""),
                                             user.value_or(kDefaultBrokerUser), user.has_value());
        if (status != kExitOk) return status;
    }
    std::cout << file << ": valid (" << summarize(*result.policy) << ")\n";
    return kExitOk;
}

}  // namespace mqauth::cli
