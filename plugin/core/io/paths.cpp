// SPDX-License-Identifier: Apache-2.0
#include "io/paths.h"

#include <unistd.h>

#include <climits>

namespace mqauth::io {

std::string directory_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string absolute_path(const std::string& path) {
    if (path.empty() || path.front() == '/') return path;
    char directory[PATH_MAX];
    if (::getcwd(directory, sizeof directory) == nullptr) return path;
    std::string base = directory;
    if (base.back() != '/') base += '/';
    return base + (path.rfind("./", 0) == 0 ? path.substr(2) : path);
}

}  // namespace mqauth::io
