// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>

namespace mqauth::io {

// The directory part of `path`: "." for a bare file name, "/" for a file in the root.
std::string directory_of(const std::string& path);

// `path` made absolute against the working directory (not resolved: symlinks and ".." stay).
std::string absolute_path(const std::string& path);

}  // namespace mqauth::io
