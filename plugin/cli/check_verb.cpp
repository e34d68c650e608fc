// mqauth check FILE: validates a config exactly as the plugin would load it.
#include <iostream>

#include "arguments.h"
#include "config/loader.h"
#include "policy_summary.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

constexpr const char* kUsage =
    "usage: mqauth check FILE\n"
    "Validates an mqauth config (auth.yaml) as the broker plugin loads it.\n"
    "Prints every error (and warning) as FILE:LINE:COL: key.path: message.\n"
    "Exit status: 0 valid, 1 invalid, 2 usage error.\n";

}  // namespace

int run_check(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, {}, error);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    if (!args || args->positionals.size() != 1) {
        std::cerr << (error.empty() ? "mqauth check: expected one FILE" : "mqauth check: " + error)
                  << "\n"
                  << kUsage;
        return kExitUsage;
    }
    const std::string& file = args->positionals.front();
    const config::LoadResult result = config::load_file(file);
    for (const std::string& line : result.formatted_warnings()) {
        std::cerr << line << " (warning)\n";
    }
    if (!result.ok()) {
        for (const std::string& line : result.formatted_errors()) std::cerr << line << "\n";
        return kExitRejected;
    }
    std::cout << file << ": valid (" << summarize(*result.policy) << ")\n";
    return kExitOk;
}

}  // namespace mqauth::cli
