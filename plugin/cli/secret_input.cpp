// SPDX-License-Identifier: Apache-2.0
#include "secret_input.h"

#include <cstdlib>
#include <iostream>

#include "io/regular_file.h"

namespace mqauth::cli {
namespace {

// A secret is a short string; a bigger file is a mistake (or /dev/zero), not a secret.
constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

void strip_one_line_ending(std::string& text) {
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
}

SecretInput failed(std::string error, bool usage = false) {
    SecretInput input;
    input.error = std::move(error);
    input.usage = usage;
    return input;
}

SecretInput from_file(const std::string& path) {
    io::FileRead file = io::read_regular_file(path, kMaxSecretFileBytes);
    if (!file.text) return failed("--secret-file " + path + ": cannot read it: " + file.error);
    strip_one_line_ending(*file.text);
    return {crypto::Secret(std::move(*file.text)), "", false};
}

SecretInput from_environment(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (!value) return failed("--secret-env " + name + ": the variable is not set");
    return {crypto::Secret(value), "", false};
}

SecretInput from_standard_input() {
    std::string line;
    std::getline(std::cin, line);
    strip_one_line_ending(line);
    return {crypto::Secret(std::move(line)), "", false};
}

}  // namespace

SecretInput read_secret_input(const Arguments& args, bool stdin_taken) {
    const auto inline_value = args.option(kSecretOption);
    const auto file = args.option(kSecretFileOption);
    const auto env = args.option(kSecretEnvOption);
    if ((inline_value ? 1 : 0) + (file ? 1 : 0) + (env ? 1 : 0) > 1) {
        return failed("give only one of --secret, --secret-file and --secret-env", true);
    }
    SecretInput input;
    if (file) {
        input = from_file(*file);
    } else if (env) {
        input = from_environment(*env);
    } else if (inline_value) {
        input = {crypto::Secret(*inline_value), "", false};
    } else if (stdin_taken) {
        return failed(
            "standard input carries the client ids: give the secret with "
            "--secret-file or --secret-env",
            true);
    } else {
        input = from_standard_input();
    }
    if (input.secret && input.secret->empty()) return failed("the secret is empty");
    return input;
}

}  // namespace mqauth::cli
