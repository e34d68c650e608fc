// SPDX-License-Identifier: Apache-2.0
#pragma once
// Edits of a config file's TEXT, for the verbs that change it (`mqauth identities add`, ...):
// an emitter would drop every comment and reflow the layout the operator chose, so only the
// lines an edit is about are written, in the style of their neighbours, and every other byte
// stays as it was. Each edit is proven before it is returned: the new text must parse as the
// old document with exactly that change, or the edit is refused with a request to make it by
// hand. Whether the result is a valid config is the loader's to say (config_text.h).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "editing/text_lines.h"
#include "editing/yaml_writing.h"
#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::editing {

// Keys from the document's root to a node: {"permissions", "rules"}.
using KeyPath = std::vector<std::string>;

std::string describe_path(const KeyPath& path);  // "permissions.rules"

struct TextEdit {
    std::string text;  // the whole edited config
    int line = 0;      // 1-based line of what was written (for a removal: where it was)
};

struct TextEditResult {
    std::optional<TextEdit> edit;
    std::optional<yaml::Diagnostic> error;  // positioned: why the text cannot be edited safely
};

class ConfigDocument {
   public:
    // nullopt with `error` set when the text is not YAML.
    static std::optional<ConfigDocument> parse(std::string text, yaml::Diagnostic& error);

    const std::string& text() const { return text_; }
    const yaml::YamlNode& root() const { return root_; }
    // The node at `path`, or null when a key on the way is missing or not a mapping.
    const yaml::YamlNode* find(const KeyPath& path) const;

    // A new item at the end of the list at `list`; the list, and the mappings on the way to it,
    // are added when missing.
    TextEditResult append_item(const KeyPath& list, const Fields& item) const;
    // Several items at once, each at the end of its list, in this order (an import): the result
    // is proven edit by edit. Its line is the last item's (earlier items' lines move as later
    // ones go in above them).
    TextEditResult append_items(const std::vector<std::pair<KeyPath, Fields>>& items) const;
    // Removes item `index` of the list at `list` (its lines; comments above it stay). The last
    // item leaves `key: []`.
    TextEditResult remove_item(const KeyPath& list, std::size_t index) const;
    // Sets `fields` in item `index` of the list at `list` (a value replaced in place keeps the
    // comment after it; a new key goes after the item's last line) and removes `removed` keys.
    TextEditResult set_item_fields(const KeyPath& list, std::size_t index, const Fields& fields,
                                   const std::vector<std::string>& removed = {}) const;
    // The same for the mapping at `mapping` (which must exist).
    TextEditResult set_mapping_fields(const KeyPath& mapping, const Fields& fields,
                                      const std::vector<std::string>& removed = {}) const;

   private:
    ConfigDocument(std::string text, yaml::YamlNode root)
        : text_(std::move(text)), root_(std::move(root)) {}

    std::string text_;
    yaml::YamlNode root_;
};

}  // namespace mqauth::editing
