// SPDX-License-Identifier: Apache-2.0
#pragma once
// Reading a file the config names (the config itself, a secret_file, a certificate, the device
// registry): a regular file only, opened so that a FIFO cannot block the broker and read with a
// size bound so that /dev/zero or a runaway file cannot exhaust its memory.
#include <cstddef>
#include <optional>
#include <string>

namespace mqauth::io {

enum class FileProblem { None, CannotOpen, NotRegular, TooLarge, CannotRead };

struct FileRead {
    std::optional<std::string> text;  // the whole content, on success
    FileProblem problem = FileProblem::None;
    std::string error;     // e.g. "a directory, not a file"; empty on success
    bool missing = false;  // CannotOpen because the path names nothing (ENOENT)
};

FileRead read_regular_file(const std::string& path, std::size_t max_bytes);

// The largest config file (and device registry) read: far above 1M identities.
inline constexpr std::size_t kMaxConfigBytes = 512u << 20;

}  // namespace mqauth::io
