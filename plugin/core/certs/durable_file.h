// SPDX-License-Identifier: Apache-2.0
#pragma once
// Replacing a file so that a crash at any moment leaves either the old content or the new one,
// and the new one survives power loss once this returns: temp file, fsync, rename, fsync of the
// directory.
#include <sys/types.h>
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::certs {

struct FileOwner {
    uid_t uid;
    gid_t gid;
};

// nullopt on success, else why it failed (the old file is then untouched). The new file gets
// `mode` exactly (umask does not apply) and, when given, `owner` (set before the rename, so the
// file never exists with the wrong owner; needs root unless it is the caller's own).
std::optional<std::string> replace_file_durably(const std::string& path, std::string_view content,
                                                mode_t mode,
                                                std::optional<FileOwner> owner = std::nullopt);

}  // namespace mqauth::certs
