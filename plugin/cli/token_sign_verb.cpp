// SPDX-License-Identifier: Apache-2.0
// mqauth token-sign --private-key FILE --token T: the authorizer-signature a device sends.
#include <iostream>

#include "arguments.h"
#include "authorizers/token_signature.h"
#include "config/authorizers_section.h"
#include "crypto/base64.h"
#include "crypto/pem.h"
#include "verbs.h"
#include "yaml/text_rules.h"

namespace mqauth::cli {
namespace {

constexpr const char* kUsage =
    "usage: mqauth token-sign --private-key FILE --token TOKEN\n"
    "Prints the authorizer-signature a device puts in its username\n"
    "(DEVICE|authorizer-name=NAME|authorizer-signature=SIG|signing-token=TOKEN):\n"
    "Base64(RSA-SHA256 PKCS#1 v1.5 signature of TOKEN) with the RSA private key in FILE (PEM,\n"
    "unencrypted; 2048 to 8192 bits). The authorizer's signing_public_key is its public half\n"
    "(openssl pkey -in FILE -pubout) and its signing_token is TOKEN (1 to 128 letters, digits,\n"
    "'_' or '-').\n"
    "Exit status: 0 ok, 1 unusable key or token, 2 usage error.\n";

const std::vector<std::string> kOptions = {"private-key", "token"};

int usage_error(const std::string& message) {
    std::cerr << "mqauth token-sign: " << message << "\n" << kUsage;
    return kExitUsage;
}

int rejected(const std::string& message) {
    std::cerr << "mqauth token-sign: " << message << "\n";
    return kExitRejected;
}

}  // namespace

VerbHelp token_sign_help() {
    return single_command_help(kUsage, kOptions);
}

int run_token_sign(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, kOptions, error);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    if (!args) return usage_error(error);
    const auto key_file = args->option("private-key");
    const auto token = args->option("token");
    if (!args->positionals.empty()) return usage_error("unexpected argument");
    if (!key_file || !token) return usage_error("--private-key and --token are required");
    if (!yaml::is_name_word(*token, config::kMaxSigningTokenChars)) {
        return rejected("the token must be 1 to 128 letters, digits, '_' or '-'");
    }
    const crypto::PrivateKeyFile key = crypto::read_private_key(*key_file, "");
    if (!key.key) return rejected(key.error);
    if (auto problem = authorizers::signing_key_problem(key.key.get())) {
        return rejected(*key_file + ": " + *problem);
    }
    std::cout << crypto::base64_encode(authorizers::rsa_sha256_sign(key.key.get(), *token)) << "\n";
    return kExitOk;
}

}  // namespace mqauth::cli
