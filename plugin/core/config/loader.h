// SPDX-License-Identifier: Apache-2.0
#pragma once
// config::load: the YAML file -> one validated, immutable Policy, or every error found in it.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy.h"
#include "yaml/diagnostic.h"

namespace mqauth::config {

struct LoadResult {
    std::string file;                      // as given, for messages
    std::shared_ptr<const Policy> policy;  // set only when there is no error
    std::vector<yaml::Diagnostic> errors;
    std::vector<yaml::Diagnostic> warnings;  // worth telling the operator at every load; not errors

    bool ok() const { return policy != nullptr; }
    // One "FILE:LINE:COL: key.path: message" line per error (or warning).
    std::vector<std::string> formatted_errors() const;
    std::vector<std::string> formatted_warnings() const;
};

LoadResult load_file(const std::string& path);

// The same from text already in memory (tests, fuzzing). Relative secret_file paths resolve
// against `base_dir`.
LoadResult load_text(std::string_view text, const std::string& file_name,
                     const std::string& base_dir);

}  // namespace mqauth::config
