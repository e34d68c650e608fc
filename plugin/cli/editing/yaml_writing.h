// SPDX-License-Identifier: Apache-2.0
#pragma once
// Writing new YAML into an operator's config in the style of what is already there: block items
// indented like their neighbours, or flow items `- {...}` beside flow items, and scalars quoted
// whenever they are not a bare word of the config's own vocabulary.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "editing/text_lines.h"
#include "yaml/yaml_tree.h"

namespace mqauth::editing {

struct Scalar {
    std::string text;
    bool quoted = true;  // false only for enum words, numbers and booleans
    char quote = '"';    // or '\'', to keep the style of a value it replaces
};

inline Scalar quoted_scalar(std::string text) {
    return Scalar{std::move(text), true};
}
inline Scalar plain_scalar(std::string text) {
    return Scalar{std::move(text), false};
}

struct Field {
    std::string key;
    Scalar value;
};
// A mapping of scalars (a list item, or keys set in a mapping), written in this order.
using Fields = std::vector<Field>;

// The scalar as YAML: plain, or double-quoted with `\` and `"` escaped and control characters
// as \xNN (an issuer's RFC 2253 escapes are backslashes; a topic may hold anything printable),
// or single-quoted with `'` doubled.
std::string render(const Scalar& scalar);

// `value` written in the quotes of the value it replaces, when that one was quoted: an
// operator who writes `status: 'ACTIVE'` keeps the quotes.
Scalar in_style_of(const yaml::YamlNode& replaced, Scalar value, const TextLines& lines);

// "- key: value" lines: the dash at column `dash`, the keys at column `keys`.
std::string block_item(int dash, int keys, const Fields& fields, const char* newline);
// "- {key: value, ...}" with `gap` spaces after the dash.
std::string flow_item(int dash, int gap, const Fields& fields, const char* newline);
// "key: value" lines at column `indent`.
std::string block_fields(int indent, const Fields& fields, const char* newline);

// The tree a freshly parsed `render` of these would give (positions left unset).
yaml::YamlNode scalar_node(const Scalar& scalar);
yaml::YamlNode mapping_node(const Fields& fields);

bool written_in_flow(const TextLines& lines, const yaml::YamlNode& node);
// Spaces between an item's dash and its content when both share a line, else 1.
int dash_gap(const TextLines& lines, const yaml::YamlNode& item, int dash);
// How far this file indents a block list below its key ("key:\n  - a" -> 2, "key:\n- a" -> 0),
// from the first such list in it.
std::optional<int> list_indent(const yaml::YamlNode& node, const TextLines& lines);

// Two trees with the same content (kinds, scalars and their quoting, key order), wherever in
// the text they are.
bool same_tree(const yaml::YamlNode& a, const yaml::YamlNode& b);

const yaml::YamlEntry* find_entry(const yaml::YamlNode& mapping, std::string_view key);
yaml::YamlEntry* find_entry(yaml::YamlNode& mapping, std::string_view key);

}  // namespace mqauth::editing
