// SPDX-License-Identifier: Apache-2.0
#pragma once
// A secret given to a verb: from a file, an environment variable or standard input, which no
// other user of the machine can read, or (discouraged) on the command line, which `ps` shows to
// all of them. The same choices as an identity's secret_file, secret_env and secret.
#include <optional>
#include <string>

#include "arguments.h"
#include "crypto/secret.h"

namespace mqauth::cli {

// The option names, as a verb's allowed list needs them.
inline constexpr const char* kSecretOption = "secret";
inline constexpr const char* kSecretFileOption = "secret-file";
inline constexpr const char* kSecretEnvOption = "secret-env";

struct SecretInput {
    std::optional<crypto::Secret> secret;  // set on success
    std::string error;                     // else why (never the secret)
    bool usage = false;                    // the error is a usage error (exit 2)
};

// --secret-file FILE (one line ending stripped), --secret-env VARIABLE or --secret SECRET; none
// of them: one line of standard input, unless `stdin_taken` (then a usage error).
SecretInput read_secret_input(const Arguments& args, bool stdin_taken);

}  // namespace mqauth::cli
