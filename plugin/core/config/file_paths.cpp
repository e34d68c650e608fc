// SPDX-License-Identifier: Apache-2.0
#include "config/file_paths.h"

namespace mqauth::config {

std::string resolve_path(const std::string& base_dir, const std::string& path) {
    if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
    return base_dir + "/" + path;
}

}  // namespace mqauth::config
