// SPDX-License-Identifier: Apache-2.0
#include "editing/config_document.h"

#include <algorithm>
#include <utility>

namespace mqauth::editing {
namespace {

constexpr const char* kByHand = "; make this change by hand";

TextEditResult refused(yaml::SourcePosition where, const KeyPath& path, const std::string& why) {
    return {std::nullopt, yaml::Diagnostic{where, describe_path(path), why + kByHand}};
}

const yaml::YamlNode* find_node(const yaml::YamlNode& root, const KeyPath& path) {
    const yaml::YamlNode* node = &root;
    for (const std::string& key : path) {
        const yaml::YamlEntry* entry = find_entry(*node, key);
        if (!entry) return nullptr;
        node = &entry->value;
    }
    return node;
}

yaml::YamlNode* find_node(yaml::YamlNode& root, const KeyPath& path) {
    return const_cast<yaml::YamlNode*>(find_node(static_cast<const yaml::YamlNode&>(root), path));
}

KeyPath prefix(const KeyPath& path, std::size_t length) {
    return KeyPath(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(length));
}

// The edit is kept only if the new text reads back as `expected`: a layout this editor
// misjudged must never reach the broker.
std::optional<yaml::YamlNode> read_back(const std::string& text, const yaml::YamlNode& expected) {
    yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error || !same_tree(*parsed.root, expected)) return std::nullopt;
    return std::move(*parsed.root);
}

TextEditResult proven(std::string text, const yaml::YamlNode& expected, const KeyPath& path,
                      yaml::SourcePosition where,
                      int (*line_in)(const yaml::YamlNode&, const KeyPath&)) {
    const auto root = read_back(text, expected);
    if (!root) return refused(where, path, "this layout cannot be edited safely");
    const int line = line_in ? line_in(*root, path) : where.line;
    return {TextEdit{std::move(text), line}, std::nullopt};
}

int last_item_line(const yaml::YamlNode& root, const KeyPath& list) {
    const yaml::YamlNode* node = find_node(root, list);
    return node && !node->items.empty() ? node->items.back().position.line : 0;
}

// ---- Indentation ----------------------------------------------------------------------------

struct Steps {
    int mapping = 2;  // a nested mapping's indent below its key
    int list = 2;     // a block list's dash below its key
};

Steps steps_of(const yaml::YamlNode& root, const TextLines& lines) {
    Steps steps;
    for (const yaml::YamlEntry& entry : root.entries) {
        if (entry.value.is_mapping() && !written_in_flow(lines, entry.value) &&
            entry.value.position.line > entry.key_position.line) {
            steps.mapping = std::max(1, entry.value.position.column - entry.key_position.column);
            break;
        }
    }
    steps.list = list_indent(root, lines).value_or(steps.mapping);
    return steps;
}

int mapping_indent(const yaml::YamlNode& mapping) {
    return mapping.position.column - 1;
}

// ---- Appending ------------------------------------------------------------------------------

bool is_empty_value(std::string_view value) {
    return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL" ||
           (value.size() >= 2 && value.front() == '[' && value.back() == ']' &&
            is_blank(value.substr(1, value.size() - 2)));
}

// The key's line without its empty value (nothing, `~`, `null` or `[]`), a comment after it
// kept where it was; nullopt when the line holds anything else.
std::optional<std::string> without_empty_value(std::string_view line,
                                               const yaml::YamlEntry& entry) {
    const std::size_t key_start =
        static_cast<std::size_t>(std::max(0, entry.key_position.column - 1));
    const std::size_t colon = key_start + entry.key.size();
    if (colon >= line.size() || line.substr(key_start, entry.key.size()) != entry.key ||
        line[colon] != ':') {
        return std::nullopt;
    }
    const std::size_t value_start = std::min(line.find_first_not_of(' ', colon + 1), line.size());
    const std::size_t hash = line.find(" #", colon);
    const std::size_t comment = hash == std::string_view::npos ? line.size() : hash + 1;
    std::string_view value = line.substr(value_start, std::max(comment, value_start) - value_start);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (!is_empty_value(value)) return std::nullopt;
    if (comment == line.size()) return std::string(line.substr(0, colon + 1));
    return std::string(line.substr(0, value_start)) + std::string(line.substr(comment));
}

struct AppendContext {
    const TextLines& lines;
    const KeyPath& list;
    const Fields& item;
    Steps steps;
};

// `key:` written without items: the empty value goes, and the first item goes below the key.
std::optional<std::string> fill_empty_list(const AppendContext& c, const yaml::YamlEntry& entry) {
    const int line = entry.key_position.line;
    const auto kept = without_empty_value(c.lines.line(line), entry);
    if (!kept) return std::nullopt;
    const int dash = entry.key_position.column - 1 + c.steps.list;
    return replace_lines(
        c.lines, line, line,
        *kept + c.lines.newline() + block_item(dash, dash + 2, c.item, c.lines.newline()));
}

std::string after_last_item(const AppendContext& c, const yaml::YamlNode& list) {
    const yaml::YamlNode& last = list.items.back();
    const int dash = list.position.column - 1;
    const int end = last_line_of_block(c.lines, last.position.line, dash);
    const std::string item =
        written_in_flow(c.lines, last)
            ? flow_item(dash, dash_gap(c.lines, last, dash), c.item, c.lines.newline())
            : block_item(dash, last.position.column - 1, c.item, c.lines.newline());
    return insert_after_line(c.lines, end, item);
}

// The keys from list[depth] on, nested, with the item under the last: added at the end of
// `mapping` (the node at list[0..depth)).
std::string new_keys(const AppendContext& c, const yaml::YamlNode& mapping, std::size_t depth) {
    const bool root = depth == 0;
    const int indent = root ? 0 : mapping_indent(mapping);
    std::string addition;
    int key_indent = indent;
    for (std::size_t i = depth; i < c.list.size(); ++i) {
        addition += spaces(key_indent) + c.list[i] + ":" + c.lines.newline();
        if (i + 1 < c.list.size()) key_indent += c.steps.mapping;
    }
    const int dash = key_indent + c.steps.list;
    addition += block_item(dash, dash + 2, c.item, c.lines.newline());
    const int end =
        root ? c.lines.count()
             : last_line_of_entry(c.lines, mapping.entries.back().key_position.line, indent);
    return insert_after_line(c.lines, end, addition);
}

// The expected document: `item` appended to the list, which is created with its mappings.
yaml::YamlNode with_item(yaml::YamlNode root, const KeyPath& list, const Fields& item) {
    yaml::YamlNode* node = &root;
    for (const std::string& key : list) {
        yaml::YamlEntry* entry = find_entry(*node, key);
        if (!entry) {
            node->entries.push_back(yaml::YamlEntry{key, {}, {}});
            entry = &node->entries.back();
            entry->value.kind = &key == &list.back() ? yaml::YamlNode::Kind::Sequence
                                                     : yaml::YamlNode::Kind::Mapping;
        }
        node = &entry->value;
    }
    node->kind = yaml::YamlNode::Kind::Sequence;
    node->scalar.clear();
    node->quoted = false;
    node->items.push_back(mapping_node(item));
    return root;
}

// ---- Removing -------------------------------------------------------------------------------

// `key: []` in place of `key:` once its last item is gone.
std::optional<std::string> emptied_key_line(std::string_view line, const yaml::YamlEntry& entry) {
    const std::size_t key_start =
        static_cast<std::size_t>(std::max(0, entry.key_position.column - 1));
    const std::size_t colon = key_start + entry.key.size();
    if (colon >= line.size() || line.substr(key_start, entry.key.size()) != entry.key ||
        line[colon] != ':' || !without_empty_value(line, entry)) {
        return std::nullopt;
    }
    return std::string(line.substr(0, colon + 1)) + " []" + std::string(line.substr(colon + 1));
}

// ---- Setting fields -------------------------------------------------------------------------

// Where a single-line scalar's token ends in the text (quotes included), or nullopt.
std::optional<std::size_t> scalar_token_end(const TextLines& lines, const yaml::YamlNode& value) {
    const auto start = lines.offset(value.position);
    if (!value.is_scalar() || !start) return std::nullopt;
    const std::string_view line = lines.line(value.position.line);
    const std::size_t column = static_cast<std::size_t>(value.position.column - 1);
    const char first = line[column];
    if (!value.quoted) {
        if (line.compare(column, value.scalar.size(), value.scalar) != 0) return std::nullopt;
        return *start + value.scalar.size();
    }
    for (std::size_t i = column + 1; i < line.size(); ++i) {
        if (first == '"' && line[i] == '\\') {
            ++i;
        } else if (line[i] == first) {
            if (first == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
                ++i;
                continue;
            }
            return *start + (i - column) + 1;
        }
    }
    return std::nullopt;
}

struct MappingTarget {
    KeyPath path;                      // the mapping, or the list holding it
    std::optional<std::size_t> index;  // the item, when path is a list
};

const yaml::YamlNode* target_node(const yaml::YamlNode& root, const MappingTarget& target) {
    const yaml::YamlNode* node = find_node(root, target.path);
    if (!node || !target.index) return node;
    return node->is_sequence() && *target.index < node->items.size() ? &node->items[*target.index]
                                                                     : nullptr;
}

yaml::YamlNode* target_node(yaml::YamlNode& root, const MappingTarget& target) {
    return const_cast<yaml::YamlNode*>(
        target_node(static_cast<const yaml::YamlNode&>(root), target));
}

// The entry's lines can be replaced or removed as a whole: its key starts its line (it is not
// the first key of an item, which shares the dash's line).
bool entry_owns_its_lines(const TextLines& lines, const yaml::YamlEntry& entry) {
    return indent_of(lines.line(entry.key_position.line)) == entry.key_position.column - 1;
}

std::optional<std::string> set_one(const TextLines& lines, const yaml::YamlNode& mapping,
                                   const Field& field) {
    const yaml::YamlEntry* entry = find_entry(mapping, field.key);
    if (!entry) {
        if (written_in_flow(lines, mapping)) return std::nullopt;
        const int end = last_line_of_entry(lines, mapping.entries.back().key_position.line,
                                           mapping_indent(mapping));
        return insert_after_line(lines, end,
                                 block_fields(mapping_indent(mapping), {field}, lines.newline()));
    }
    if (const auto end = scalar_token_end(lines, entry->value)) {
        const std::size_t start = *lines.offset(entry->value.position);
        std::string text(lines.text().substr(0, start));
        return text + render(in_style_of(entry->value, field.value, lines)) +
               std::string(lines.text().substr(*end));
    }
    if (written_in_flow(lines, mapping) || !entry_owns_its_lines(lines, *entry)) {
        return std::nullopt;
    }
    const int line = entry->key_position.line;
    return replace_lines(lines, line, last_line_of_entry(lines, line, mapping_indent(mapping)),
                         block_fields(mapping_indent(mapping), {field}, lines.newline()));
}

std::optional<std::string> remove_one(const TextLines& lines, const yaml::YamlNode& mapping,
                                      const std::string& key) {
    const yaml::YamlEntry* entry = find_entry(mapping, key);
    if (!entry) return std::string(lines.text());
    if (written_in_flow(lines, mapping) || !entry_owns_its_lines(lines, *entry)) {
        return std::nullopt;
    }
    const int line = entry->key_position.line;
    return replace_lines(lines, line, last_line_of_entry(lines, line, mapping_indent(mapping)), "");
}

yaml::YamlNode with_fields(yaml::YamlNode root, const MappingTarget& target, const Fields& fields,
                           const std::vector<std::string>& removed, const TextLines& lines) {
    yaml::YamlNode* mapping = target_node(root, target);
    for (const Field& field : fields) {
        if (yaml::YamlEntry* entry = find_entry(*mapping, field.key)) {
            entry->value = scalar_node(in_style_of(entry->value, field.value, lines));
        } else {
            mapping->entries.push_back(yaml::YamlEntry{field.key, {}, scalar_node(field.value)});
        }
    }
    auto& entries = mapping->entries;
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [&](const yaml::YamlEntry& entry) {
                                     return std::find(removed.begin(), removed.end(), entry.key) !=
                                            removed.end();
                                 }),
                  entries.end());
    return root;
}

// One change at a time, each on the text the previous one left, then the whole proven.
TextEditResult set_fields(const std::string& text, const yaml::YamlNode& root,
                          const MappingTarget& target, const Fields& fields,
                          const std::vector<std::string>& removed) {
    const yaml::YamlNode* mapping = target_node(root, target);
    if (!mapping || !mapping->is_mapping() || mapping->entries.empty()) {
        return refused(mapping ? mapping->position : yaml::SourcePosition{}, target.path,
                       "not a mapping of keys");
    }
    const yaml::SourcePosition where = mapping->position;
    std::string current = text;
    auto step = [&](auto&& change) -> bool {
        yaml::YamlParseResult parsed = yaml::parse_yaml(current);
        const yaml::YamlNode* node = parsed.root ? target_node(*parsed.root, target) : nullptr;
        if (!node || !node->is_mapping()) return false;
        const TextLines lines(current);
        auto next = change(lines, *node);
        if (!next) return false;
        current = std::move(*next);
        return true;
    };
    for (const Field& field : fields) {
        if (!step(
                [&](const TextLines& l, const yaml::YamlNode& n) { return set_one(l, n, field); }))
            return refused(where, target.path, "cannot set " + field.key);
    }
    for (const std::string& key : removed) {
        if (!step(
                [&](const TextLines& l, const yaml::YamlNode& n) { return remove_one(l, n, key); }))
            return refused(where, target.path, "cannot remove " + key);
    }
    const yaml::YamlNode expected = with_fields(root, target, fields, removed, TextLines(text));
    const auto read = read_back(current, expected);
    if (!read) return refused(where, target.path, "this layout cannot be edited safely");
    const yaml::YamlNode* edited = target_node(*read, target);
    const yaml::YamlEntry* first =
        fields.empty() ? nullptr : find_entry(*edited, fields.front().key);
    return {TextEdit{std::move(current), first ? first->key_position.line : where.line},
            std::nullopt};
}

}  // namespace

std::string describe_path(const KeyPath& path) {
    std::string out;
    for (const std::string& key : path) out += (out.empty() ? "" : ".") + key;
    return out;
}

std::optional<ConfigDocument> ConfigDocument::parse(std::string text, yaml::Diagnostic& error) {
    yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error) {
        error = *parsed.error;
        return std::nullopt;
    }
    if (!parsed.root->is_mapping()) {
        error = yaml::Diagnostic{parsed.root->position, "", "the config is not a mapping of keys"};
        return std::nullopt;
    }
    return ConfigDocument(std::move(text), std::move(*parsed.root));
}

const yaml::YamlNode* ConfigDocument::find(const KeyPath& path) const {
    return find_node(root_, path);
}

TextEditResult ConfigDocument::append_item(const KeyPath& list, const Fields& item) const {
    const TextLines lines(text_);
    const AppendContext c{lines, list, item, steps_of(root_, lines)};
    const yaml::YamlNode expected = with_item(root_, list, item);
    std::size_t depth = 0;
    const yaml::YamlNode* node = &root_;
    const yaml::YamlEntry* entry = nullptr;
    while (depth < list.size() && (entry = find_entry(*node, list[depth])) != nullptr) {
        node = &entry->value;
        ++depth;
    }
    std::optional<std::string> text;
    if (depth < list.size()) {
        if (!node->is_mapping() || (depth > 0 && written_in_flow(lines, *node))) {
            return refused(node->position, prefix(list, depth),
                           node->is_mapping() ? "written in flow style ({...}), so a key cannot "
                                                "be added safely"
                                              : "not a mapping a key can be added to");
        }
        text = new_keys(c, *node, depth);
    } else if (node->is_sequence() && !node->items.empty()) {
        if (written_in_flow(lines, *node)) {
            return refused(node->position, list,
                           "written in flow style ([...]), so a new item cannot be added safely");
        }
        text = after_last_item(c, *node);
    } else if (node->is_null() || node->is_sequence()) {
        text = fill_empty_list(c, *entry);
    }
    if (!text) return refused(node->position, list, "not a list an item can be added to");
    return proven(std::move(*text), expected, list, node->position, last_item_line);
}

TextEditResult ConfigDocument::append_items(
    const std::vector<std::pair<KeyPath, Fields>>& items) const {
    std::optional<ConfigDocument> current;
    int line = 0;
    for (const auto& [list, item] : items) {
        const ConfigDocument* document = current ? &*current : this;
        TextEditResult result = document->append_item(list, item);
        if (!result.edit) return result;
        line = result.edit->line;
        yaml::Diagnostic error;
        current = parse(std::move(result.edit->text), error);
        if (!current) return {std::nullopt, error};  // a proven edit parses: not reached
    }
    return {TextEdit{current ? current->text_ : text_, line}, std::nullopt};
}

TextEditResult ConfigDocument::remove_item(const KeyPath& list, std::size_t index) const {
    const yaml::YamlNode* node = find_node(root_, list);
    if (!node || !node->is_sequence() || index >= node->items.size()) {
        return refused({}, list, "no item " + std::to_string(index));
    }
    const TextLines lines(text_);
    const yaml::YamlNode& item = node->items[index];
    // An empty item ("-" alone) is positioned at the token after it, not at its dash.
    if (item.is_null())
        return refused(item.position, list, "an empty item cannot be removed safely");
    const int dash = node->position.column - 1;
    const int first = item.position.line;
    if (written_in_flow(lines, *node) ||
        lines.line(first).substr(0, dash + 1) != spaces(dash) + "-") {
        return refused(item.position, list, "not an item of a block list");
    }
    std::string text = replace_lines(lines, first, last_line_of_block(lines, first, dash), "");
    yaml::YamlNode expected = root_;
    auto& items = find_node(expected, list)->items;
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(index));
    if (items.empty()) {
        const yaml::YamlEntry* entry =
            find_entry(*find_node(root_, prefix(list, list.size() - 1)), list.back());
        const TextLines rest(text);
        const int key_line = entry->key_position.line;
        const auto emptied = emptied_key_line(rest.line(key_line), *entry);
        if (!emptied) return refused(entry->key_position, list, "cannot write the empty list");
        text = replace_lines(rest, key_line, key_line, *emptied + rest.newline());
    }
    return proven(std::move(text), expected, list, item.position, nullptr);
}

TextEditResult ConfigDocument::set_item_fields(const KeyPath& list, std::size_t index,
                                               const Fields& fields,
                                               const std::vector<std::string>& removed) const {
    return set_fields(text_, root_, MappingTarget{list, index}, fields, removed);
}

TextEditResult ConfigDocument::set_mapping_fields(const KeyPath& mapping, const Fields& fields,
                                                  const std::vector<std::string>& removed) const {
    return set_fields(text_, root_, MappingTarget{mapping, std::nullopt}, fields, removed);
}

}  // namespace mqauth::editing
