#pragma once
#include <string>

namespace mqauth::io {

// The directory part of `path`: "." for a bare file name, "/" for a file in the root.
std::string directory_of(const std::string& path);

}  // namespace mqauth::io
