// SPDX-License-Identifier: Apache-2.0
#include "named_files.h"

#include <set>

#include "config/file_paths.h"
#include "config/signing_key_source.h"
#include "io/paths.h"
#include "yaml/yaml_tree.h"

namespace mqauth::cli {
namespace {

// The keys whose value is a file the broker reads, wherever they appear (SPEC's sections).
const std::set<std::string> kReadKeys = {"secret_file", "password_file", "file",
                                         "cert_file",   "key_file",      "signing_public_key"};

struct Walk {
    const std::string& base_dir;
    std::vector<NamedFile>& found;

    void node(const yaml::YamlNode& value, const std::string& path) {
        if (value.is_mapping()) {
            for (const yaml::YamlEntry& entry : value.entries) {
                this->entry(entry, path.empty() ? entry.key : path + "." + entry.key);
            }
        } else if (value.is_sequence()) {
            for (std::size_t i = 0; i < value.items.size(); ++i) {
                node(value.items[i], path + "[" + std::to_string(i) + "]");
            }
        }
    }

    void entry(const yaml::YamlEntry& entry, const std::string& path) {
        const yaml::YamlNode& value = entry.value;
        if (!value.is_scalar() || value.scalar.empty()) return node(value, path);
        if (kReadKeys.count(entry.key) && !config::is_inline_pem(value.scalar)) {
            found.push_back({config::resolve_path(base_dir, value.scalar), value.position, path,
                             NamedFile::Need::Read});
        } else if (entry.key == "sqlite") {
            found.push_back({config::resolve_path(base_dir, value.scalar), value.position, path,
                             NamedFile::Need::WriteDirectory});
        }
    }
};

}  // namespace

std::vector<NamedFile> files_named_in(std::string_view text, const std::string& base_dir) {
    std::vector<NamedFile> found;
    const yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.root) Walk{base_dir, found}.node(*parsed.root, "");
    return found;
}

}  // namespace mqauth::cli
