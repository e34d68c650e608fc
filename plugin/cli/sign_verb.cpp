// mqauth sign --secret S --client-id C: the SIGNED-mode password a device sends.
#include <iostream>

#include "arguments.h"
#include "identities/signed_password.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

constexpr const char* kUsage =
    "usage: mqauth sign --secret SECRET --client-id CLIENT_ID\n"
    "Prints the password a client sends for a SIGNED identity:\n"
    "Base64(HMAC-SHA1(key = SECRET, message = CLIENT_ID)).\n"
    "Exit status: 0 ok, 2 usage error.\n";

}  // namespace

int run_sign(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, {"secret", "client-id"}, error);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    const auto secret = args ? args->option("secret") : std::nullopt;
    const auto client_id = args ? args->option("client-id") : std::nullopt;
    if (!args || !secret || !client_id || secret->empty() || !args->positionals.empty()) {
        std::cerr << "mqauth sign: "
                  << (error.empty() ? "--secret (non-empty) and --client-id are required" : error)
                  << "\n"
                  << kUsage;
        return kExitUsage;
    }
    std::cout << identities::signed_password(*secret, *client_id) << "\n";
    return kExitOk;
}

}  // namespace mqauth::cli
