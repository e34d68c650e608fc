// SPDX-License-Identifier: Apache-2.0
#include "editing/yaml_writing.h"

#include <cstdio>

namespace mqauth::editing {
namespace {

std::string double_quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char escape[5];
            std::snprintf(escape, sizeof escape, "\\x%02X", byte);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string single_quoted(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string field_line(const Field& field) {
    return field.key + ": " + render(field.value);
}

}  // namespace

std::string render(const Scalar& scalar) {
    if (!scalar.quoted) return scalar.text;
    return scalar.quote == '\'' ? single_quoted(scalar.text) : double_quoted(scalar.text);
}

Scalar in_style_of(const yaml::YamlNode& replaced, Scalar value, const TextLines& lines) {
    if (!replaced.is_scalar() || !replaced.quoted) return value;
    const char quote = lines.at(replaced.position);
    if (quote != '\'' && quote != '"') return value;
    value.quoted = true;
    value.quote = quote;
    return value;
}

std::string block_item(int dash, int keys, const Fields& fields, const char* newline) {
    if (keys <= dash + 1) keys = dash + 2;
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        out += i == 0 ? spaces(dash) + "-" + spaces(keys - dash - 1) : spaces(keys);
        out += field_line(fields[i]) + newline;
    }
    return out;
}

std::string flow_item(int dash, int gap, const Fields& fields, const char* newline) {
    std::string out = spaces(dash) + "-" + spaces(gap < 1 ? 1 : gap) + "{";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        out += (i == 0 ? "" : ", ") + field_line(fields[i]);
    }
    return out + "}" + newline;
}

std::string block_fields(int indent, const Fields& fields, const char* newline) {
    std::string out;
    for (const Field& field : fields) out += spaces(indent) + field_line(field) + newline;
    return out;
}

yaml::YamlNode scalar_node(const Scalar& scalar) {
    yaml::YamlNode node;
    node.kind = yaml::YamlNode::Kind::Scalar;
    node.scalar = scalar.text;
    node.quoted = scalar.quoted;
    return node;
}

yaml::YamlNode mapping_node(const Fields& fields) {
    yaml::YamlNode node;
    node.kind = yaml::YamlNode::Kind::Mapping;
    for (const Field& field : fields) {
        node.entries.push_back(yaml::YamlEntry{field.key, {}, scalar_node(field.value)});
    }
    return node;
}

bool written_in_flow(const TextLines& lines, const yaml::YamlNode& node) {
    const char first = lines.at(node.position);
    return first == '{' || first == '[';
}

int dash_gap(const TextLines& lines, const yaml::YamlNode& item, int dash) {
    const std::string_view line = lines.line(item.position.line);
    const int content = item.position.column - 1;
    if (static_cast<int>(line.size()) <= dash || line[static_cast<std::size_t>(dash)] != '-' ||
        content <= dash) {
        return 1;
    }
    const std::string_view between = line.substr(static_cast<std::size_t>(dash + 1),
                                                 static_cast<std::size_t>(content - dash - 1));
    return between.find_first_not_of(' ') == std::string_view::npos ? content - dash - 1 : 1;
}

std::optional<int> list_indent(const yaml::YamlNode& node, const TextLines& lines) {
    for (const yaml::YamlEntry& entry : node.entries) {
        const yaml::YamlNode& value = entry.value;
        if (value.is_sequence() && lines.at(value.position) == '-' &&
            value.position.line > entry.key_position.line) {
            return value.position.column - entry.key_position.column;
        }
        if (auto found = list_indent(value, lines)) return found;
    }
    for (const yaml::YamlNode& item : node.items) {
        if (auto found = list_indent(item, lines)) return found;
    }
    return std::nullopt;
}

bool same_tree(const yaml::YamlNode& a, const yaml::YamlNode& b) {
    if (a.kind != b.kind || a.scalar != b.scalar || a.quoted != b.quoted ||
        a.items.size() != b.items.size() || a.entries.size() != b.entries.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (!same_tree(a.items[i], b.items[i])) return false;
    }
    for (std::size_t i = 0; i < a.entries.size(); ++i) {
        if (a.entries[i].key != b.entries[i].key ||
            !same_tree(a.entries[i].value, b.entries[i].value)) {
            return false;
        }
    }
    return true;
}

const yaml::YamlEntry* find_entry(const yaml::YamlNode& mapping, std::string_view key) {
    if (!mapping.is_mapping()) return nullptr;
    for (const yaml::YamlEntry& entry : mapping.entries) {
        if (entry.key == key) return &entry;
    }
    return nullptr;
}

yaml::YamlEntry* find_entry(yaml::YamlNode& mapping, std::string_view key) {
    return const_cast<yaml::YamlEntry*>(
        find_entry(static_cast<const yaml::YamlNode&>(mapping), key));
}

}  // namespace mqauth::editing
