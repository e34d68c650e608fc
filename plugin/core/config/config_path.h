#pragma once
#include <string>

namespace mqauth::config {

// A file named in the config: a relative path is taken from the config file's directory (as
// secret_file's is), so the YAML and the files it names can move together.
inline std::string resolve_config_path(const std::string& path, const std::string& base_dir) {
    return (path.empty() || path.front() == '/' || base_dir.empty()) ? path : base_dir + "/" + path;
}

}  // namespace mqauth::config
