// SPDX-License-Identifier: Apache-2.0
#pragma once
// Whether the broker's user can reach the files a config names. Run as root, `mqauth check` reads
// every file itself, so it would call a config valid whose secret_file the broker (running as
// mosquitto) cannot read; the next SIGHUP would then be rejected. The check opens each file as
// that user, in a child process that has dropped to its uid, gid and groups: exactly what the
// kernel will let the broker do, ACLs and every directory on the way included.
#include <optional>
#include <string>
#include <vector>

#include "named_files.h"

namespace mqauth::cli {

struct AccessProblem {
    const NamedFile* file;
    std::string what;  // "cannot read /etc/...: Permission denied"
};

struct AccessCheck {
    std::vector<AccessProblem> problems;  // in the files' order
    std::string error;                    // the check itself failed (no such user, fork failed)
};

// `files` as user `user_name` would reach them; `config_path` (the config itself) first.
AccessCheck check_as_user(const std::string& user_name, const std::string& config_path,
                          const std::vector<NamedFile>& files);

}  // namespace mqauth::cli
