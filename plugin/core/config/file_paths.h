// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>

namespace mqauth::config {

// A path from the config: relative ones are relative to the config file's directory, so a
// config and the files it names can move together.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace mqauth::config
