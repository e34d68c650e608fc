// SPDX-License-Identifier: Apache-2.0
#pragma once
// Every file a config names, with where it names it: what `mqauth check` makes sure the broker's
// own user can reach, since the broker (not root) reads them at every reload.
#include <string>
#include <string_view>
#include <vector>

#include "yaml/diagnostic.h"

namespace mqauth::cli {

struct NamedFile {
    enum class Need {
        Read,            // the broker reads it (a secret, a CA, a certificate, a key)
        WriteDirectory,  // the broker writes beside it (an SQLite registry, its -wal and -shm)
    };
    std::string path;               // resolved against the config's directory
    yaml::SourcePosition position;  // of its value
    std::string key_path;           // e.g. identities[2].secret_file
    Need need = Need::Read;
};

// The files of a config text that loads (so every value below is where the loader wants it).
std::vector<NamedFile> files_named_in(std::string_view text, const std::string& base_dir);

}  // namespace mqauth::cli
