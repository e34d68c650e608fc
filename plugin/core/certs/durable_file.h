#pragma once
// Replacing a file so that a crash at any moment leaves either the old content or the new one,
// and the new one survives power loss once this returns: temp file, fsync, rename, fsync of the
// directory.
#include <sys/types.h>
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::certs {

// nullopt on success, else why it failed (the old file is then untouched). The new file gets
// `mode` (before umask is not applied: the mode is set explicitly).
std::optional<std::string> replace_file_durably(const std::string& path, std::string_view content,
                                                mode_t mode);

}  // namespace mqauth::certs
