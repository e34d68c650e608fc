#include "editing/device_state_edit.h"

#include <algorithm>
#include <utility>

#include "certs/serial_number.h"
#include "yaml/yaml_tree.h"

namespace mqauth::editing {
namespace {

using certs::DeviceStatus;
using certs::StateKey;

constexpr const char* kSection = "device_certificates";
constexpr const char* kStatesPath = "device_certificates.states";
constexpr const char* kByHand = "; record the state by hand (see mqauth devices --help)";

// ---- The text as lines --------------------------------------------------------------------

// The config split at '\n'. The tree's positions (1-based line and column, columns counted in
// bytes) map to byte offsets through it; every offset is checked against the text it should
// point at before anything is written there.
class TextLines {
   public:
    explicit TextLines(std::string_view text) : text_(text) {
        starts_.push_back(0);
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '\n') starts_.push_back(i + 1);
        }
        const auto first_break = text.find('\n');
        crlf_ = first_break != std::string_view::npos && first_break > 0 &&
                text[first_break - 1] == '\r';
    }

    int count() const { return static_cast<int>(starts_.size()); }
    std::size_t start(int line) const { return starts_[static_cast<std::size_t>(line - 1)]; }
    // Just past the line's break (the end of the text for a last line without one).
    std::size_t end(int line) const {
        return line < count() ? starts_[static_cast<std::size_t>(line)] : text_.size();
    }
    std::string_view line(int line) const {
        std::string_view text = text_.substr(start(line), end(line) - start(line));
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
        return text;
    }
    std::optional<std::size_t> offset(yaml::SourcePosition position) const {
        if (position.line < 1 || position.line > count() || position.column < 1) return {};
        const std::size_t column = static_cast<std::size_t>(position.column - 1);
        if (column >= line(position.line).size()) return {};
        return start(position.line) + column;
    }
    char at(yaml::SourcePosition position) const {
        const auto found = offset(position);
        return found ? text_[*found] : '\0';
    }
    // New lines follow the file's own line ending.
    const char* newline() const { return crlf_ ? "\r\n" : "\n"; }

   private:
    std::string_view text_;
    std::vector<std::size_t> starts_;
    bool crlf_ = false;
};

int indent_of(std::string_view line) {
    const auto first = line.find_first_not_of(' ');
    return static_cast<int>(first == std::string_view::npos ? line.size() : first);
}

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t") == std::string_view::npos;
}

bool is_comment(std::string_view line) {
    const auto first = line.find_first_not_of(" \t");
    return first != std::string_view::npos && line[first] == '#';
}

// The last line of a block that starts on `first` and whose lines are indented deeper than
// `parent_indent`. Blank lines and comments after its last content line stay with what follows
// (they usually introduce it), except comments right below it at its own depth.
int last_line_of_block(const TextLines& lines, int first, int parent_indent) {
    int last = first;
    for (int n = first + 1; n <= lines.count(); ++n) {
        const std::string_view line = lines.line(n);
        if (is_blank(line) || is_comment(line)) continue;
        if (indent_of(line) <= parent_indent) break;
        last = n;
    }
    while (last < lines.count()) {
        const std::string_view next = lines.line(last + 1);
        if (!is_comment(next) || indent_of(next) <= parent_indent) break;
        ++last;
    }
    return last;
}

std::string insert_after_line(std::string_view text, const TextLines& lines, int line,
                              const std::string& addition) {
    const std::size_t at = lines.end(line);
    std::string out(text.substr(0, at));
    if (!out.empty() && out.back() != '\n') out += lines.newline();
    out += addition;
    out += text.substr(at);
    return out;
}

bool written_in_flow(const TextLines& lines, const yaml::YamlNode& node) {
    const char first = lines.at(node.position);
    return first == '{' || first == '[';
}

// ---- Reading the states -------------------------------------------------------------------

struct LocatedState {
    RecordedState state;
    const yaml::YamlNode* status = nullptr;
};

const yaml::YamlEntry* find_entry(const yaml::YamlNode& mapping, std::string_view key) {
    if (!mapping.is_mapping()) return nullptr;
    for (const yaml::YamlEntry& entry : mapping.entries) {
        if (entry.key == key) return &entry;
    }
    return nullptr;
}

const yaml::YamlNode* scalar_field(const yaml::YamlNode& mapping, std::string_view key) {
    const yaml::YamlEntry* entry = find_entry(mapping, key);
    return entry && entry->value.is_scalar() ? &entry->value : nullptr;
}

// The device an item names: its serial and either its issuer or its CA's serial.
std::optional<StateKey> read_state_key(const yaml::YamlNode& item) {
    const yaml::YamlNode* device_sn = scalar_field(item, "device_sn");
    const yaml::YamlNode* issuer = scalar_field(item, "issuer");
    const yaml::YamlNode* ca_sn = scalar_field(item, "ca_sn");
    if (!device_sn || (issuer != nullptr) == (ca_sn != nullptr)) return std::nullopt;
    auto device = certs::canonical_serial(device_sn->scalar);
    if (!device) return std::nullopt;
    if (issuer) return StateKey{std::move(*device), issuer->scalar, ""};
    auto ca = certs::canonical_serial(ca_sn->scalar);
    if (!ca) return std::nullopt;
    return StateKey{std::move(*device), "", std::move(*ca)};
}

std::optional<LocatedState> read_state(const yaml::YamlNode& item) {
    auto key = read_state_key(item);
    const yaml::YamlNode* status = scalar_field(item, "status");
    if (!key || !status) return std::nullopt;
    const auto decided = registry::status_named(status->scalar);
    if (!decided) return std::nullopt;
    return LocatedState{{std::move(*key), *decided, status->position.line}, status};
}

// Every item, or the first one that is not a valid state (the loader says exactly why).
std::optional<yaml::Diagnostic> read_states(const yaml::YamlNode& list,
                                            std::vector<LocatedState>& states) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        auto state = read_state(list.items[i]);
        if (!state) {
            return yaml::Diagnostic{
                list.items[i].position, std::string(kStatesPath) + "[" + std::to_string(i) + "]",
                "InvalidParameter: not a state with a hex device_sn, an issuer or a "
                "ca_sn, and a status (mqauth check says more)"};
        }
        states.push_back(std::move(*state));
    }
    return std::nullopt;
}

std::vector<RecordedState> recorded(const std::vector<LocatedState>& located) {
    std::vector<RecordedState> states;
    states.reserve(located.size());
    for (const LocatedState& entry : located) states.push_back(entry.state);
    return states;
}

StatesReading states_in(const yaml::YamlNode& root) {
    StatesReading reading;
    const yaml::YamlEntry* section = find_entry(root, kSection);
    const yaml::YamlEntry* states = section ? find_entry(section->value, "states") : nullptr;
    if (!states || !states->value.is_sequence()) return reading;
    std::vector<LocatedState> located;
    reading.error = read_states(states->value, located);
    if (!reading.error) reading.states = recorded(located);
    return reading;
}

// ---- Proving an edit ----------------------------------------------------------------------

bool same_tree(const yaml::YamlNode& a, const yaml::YamlNode& b, std::string_view skipped_key = {});

bool same_entries(const yaml::YamlNode& a, const yaml::YamlNode& b, std::string_view skipped_key) {
    std::vector<const yaml::YamlEntry*> left;
    std::vector<const yaml::YamlEntry*> right;
    for (const yaml::YamlEntry& entry : a.entries) {
        if (entry.key != skipped_key) left.push_back(&entry);
    }
    for (const yaml::YamlEntry& entry : b.entries) {
        if (entry.key != skipped_key) right.push_back(&entry);
    }
    if (left.size() != right.size()) return false;
    for (std::size_t i = 0; i < left.size(); ++i) {
        // Only device_certificates may differ, and there only in `states`.
        const std::string_view skip =
            skipped_key.empty() && left[i]->key == kSection ? "states" : "";
        if (left[i]->key != right[i]->key || !same_tree(left[i]->value, right[i]->value, skip)) {
            return false;
        }
    }
    return true;
}

bool same_tree(const yaml::YamlNode& a, const yaml::YamlNode& b, std::string_view skipped_key) {
    if (a.kind != b.kind || a.scalar != b.scalar || a.quoted != b.quoted) return false;
    if (a.items.size() != b.items.size()) return false;
    for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (!same_tree(a.items[i], b.items[i])) return false;
    }
    return same_entries(a, b, skipped_key);
}

bool same_states(const std::vector<RecordedState>& a, const std::vector<RecordedState>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!(a[i].key == b[i].key) || a[i].status != b[i].status) return false;
    }
    return true;
}

// What an edit is meant to do, checked by confirmed().
struct Intent {
    const StateKey& key;
    StateChange change;
    std::optional<DeviceStatus> previous;
    std::vector<RecordedState> expected;  // the states the edited text must read back as
    yaml::SourcePosition where;           // for the error when it does not
};

// The edit is kept only if the new text reads back as the old document with exactly the
// expected states: a layout this editor misjudged must never reach the broker.
StateEditResult confirmed(const yaml::YamlNode& old_root, std::string text, const Intent& intent) {
    const yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    const StatesReading reading = parsed.error ? StatesReading{} : states_in(*parsed.root);
    if (parsed.error || reading.error || !same_tree(old_root, *parsed.root) ||
        !same_states(reading.states, intent.expected)) {
        return {std::nullopt,
                yaml::Diagnostic{intent.where, kStatesPath,
                                 std::string("this layout cannot be edited safely") + kByHand}};
    }
    int line = 0;
    for (const RecordedState& state : reading.states) {
        if (state.key == intent.key) line = state.status_line;
    }
    return {StateEdit{std::move(text), intent.change, intent.previous, line}, std::nullopt};
}

// ---- Writing new items --------------------------------------------------------------------

std::string spaces(int count) {
    return std::string(static_cast<std::size_t>(count > 0 ? count : 0), ' ');
}

// A YAML double-quoted scalar: an issuer's RFC 2253 escapes are backslashes, which YAML would
// read as its own escapes, and a name may hold a quote.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '\\' || c == '"') out += '\\';
        out += c;
    }
    return out + "\"";
}

// `issuer: "..."` or `ca_sn: "..."`, whichever names the device.
std::string naming_field(const StateKey& key) {
    return key.by_issuer() ? "issuer: " + quoted(key.issuer) : "ca_sn: " + quoted(key.ca_sn);
}

std::string block_item(int dash, int keys, const StateKey& key, DeviceStatus status,
                       const char* newline) {
    if (keys <= dash + 1) keys = dash + 2;
    return spaces(dash) + "-" + spaces(keys - dash - 1) + "device_sn: " + quoted(key.device_sn) +
           newline + spaces(keys) + naming_field(key) + newline + spaces(keys) +
           "status: " + std::string(registry::status_name(status)) + newline;
}

std::string flow_item(int dash, int gap, const StateKey& key, DeviceStatus status,
                      const char* newline) {
    return spaces(dash) + "-" + spaces(gap < 1 ? 1 : gap) + "{device_sn: " + quoted(key.device_sn) +
           ", " + naming_field(key) + ", status: " + std::string(registry::status_name(status)) +
           "}" + newline;
}

// Spaces between an item's dash and its content when both share a line, else 1.
int dash_gap(const TextLines& lines, const yaml::YamlNode& item, int dash) {
    const std::string_view line = lines.line(item.position.line);
    const int content = item.position.column - 1;
    if (static_cast<int>(line.size()) <= dash || line[static_cast<std::size_t>(dash)] != '-') {
        return 1;
    }
    const std::string_view between = line.substr(static_cast<std::size_t>(dash + 1),
                                                 static_cast<std::size_t>(content - dash - 1));
    return between.find_first_not_of(' ') == std::string_view::npos ? content - dash - 1 : 1;
}

// How far this file indents a block list below its key ("key:\n  - a" -> 2, "key:\n- a" -> 0),
// from the first such list in it.
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

// ---- The edits ----------------------------------------------------------------------------

struct Context {
    std::string_view text;
    const TextLines& lines;
    const yaml::YamlNode& root;
    const StateKey& key;
    DeviceStatus status;
};

StateEditResult replace_status(const Context& c, const std::vector<LocatedState>& states,
                               std::size_t index) {
    const yaml::YamlNode& node = *states[index].status;
    const auto at = c.lines.offset(node.position);
    const char quote = node.quoted ? c.lines.at(node.position) : '\0';
    const std::string fence = quote ? std::string(1, quote) : "";
    const std::string token = fence + node.scalar + fence;
    if (!at || (node.quoted && quote != '"' && quote != '\'') ||
        c.text.compare(*at, token.size(), token) != 0) {
        return {
            std::nullopt,
            yaml::Diagnostic{node.position, kStatesPath,
                             std::string("cannot find the status value in the text") + kByHand}};
    }
    std::string text(c.text.substr(0, *at));
    text += fence + std::string(registry::status_name(c.status)) + fence;
    text += c.text.substr(*at + token.size());
    std::vector<RecordedState> expected = recorded(states);
    expected[index].status = c.status;
    return confirmed(c.root, std::move(text),
                     {c.key, StateChange::Replaced, states[index].state.status, std::move(expected),
                      node.position});
}

bool is_empty_value(std::string_view value) {
    return value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL" ||
           (value.front() == '[' && value.back() == ']' &&
            is_blank(value.substr(1, value.size() - 2)));
}

// The `states:` key line without its empty value (nothing, `~`, `null` or `[]`), a comment after
// it kept where it was; nullopt when the line holds anything else.
std::optional<std::string> without_empty_value(std::string_view line, std::size_t key_start) {
    constexpr std::string_view kKey = "states";
    const std::size_t colon = key_start + kKey.size();
    if (colon >= line.size() || line.substr(key_start, kKey.size()) != kKey || line[colon] != ':') {
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

// `states:` written without items: the empty value goes, and the first item goes below the key.
StateEditResult fill_empty_states(const Context& c, const yaml::YamlEntry& states,
                                  int list_indent_step) {
    const int line_number = states.key_position.line;
    const int key_start = states.key_position.column - 1;
    const auto kept = without_empty_value(c.lines.line(line_number),
                                          static_cast<std::size_t>(key_start < 0 ? 0 : key_start));
    if (!kept) {
        return {
            std::nullopt,
            yaml::Diagnostic{states.key_position, kStatesPath,
                             std::string("cannot tell where the value of states ends") + kByHand}};
    }
    const int dash = key_start + list_indent_step;
    std::string text(c.text.substr(0, c.lines.start(line_number)));
    text += *kept + c.lines.newline();
    text += block_item(dash, dash + 2, c.key, c.status, c.lines.newline());
    text += c.text.substr(c.lines.end(line_number));
    return confirmed(
        c.root, std::move(text),
        {c.key, StateChange::Appended, std::nullopt, {{c.key, c.status, 0}}, states.key_position});
}

StateEditResult append_item(const Context& c, const yaml::YamlNode& list,
                            const std::vector<LocatedState>& states) {
    const yaml::YamlNode& last = list.items.back();
    const int dash = list.position.column - 1;
    const int end = last_line_of_block(c.lines, last.position.line, dash);
    const std::string item =
        written_in_flow(c.lines, last)
            ? flow_item(dash, dash_gap(c.lines, last, dash), c.key, c.status, c.lines.newline())
            : block_item(dash, last.position.column - 1, c.key, c.status, c.lines.newline());
    std::vector<RecordedState> expected = recorded(states);
    expected.push_back(RecordedState{c.key, c.status, 0});
    return confirmed(
        c.root, insert_after_line(c.text, c.lines, end, item),
        {c.key, StateChange::Appended, std::nullopt, std::move(expected), list.position});
}

StateEditResult add_states_key(const Context& c, const yaml::YamlEntry& section,
                               int list_indent_step) {
    const yaml::YamlNode& mapping = section.value;
    if (written_in_flow(c.lines, mapping) || mapping.entries.empty()) {
        return {std::nullopt,
                yaml::Diagnostic{mapping.position, kSection,
                                 std::string("written in flow style ({...}), so a states "
                                             "list cannot be added safely") +
                                     kByHand}};
    }
    const int indent = mapping.position.column - 1;
    const int end = last_line_of_block(c.lines, mapping.entries.back().key_position.line, indent);
    const int dash = indent + list_indent_step;
    const std::string addition = spaces(indent) + "states:" + c.lines.newline() +
                                 block_item(dash, dash + 2, c.key, c.status, c.lines.newline());
    return confirmed(
        c.root, insert_after_line(c.text, c.lines, end, addition),
        {c.key, StateChange::Appended, std::nullopt, {{c.key, c.status, 0}}, mapping.position});
}

StateEditResult edit_list(const Context& c, const yaml::YamlEntry& states_entry,
                          int list_indent_step) {
    const yaml::YamlNode& list = states_entry.value;
    std::vector<LocatedState> states;
    if (auto error = read_states(list, states)) return {std::nullopt, *error};
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (!(states[i].state.key == c.key)) continue;
        if (states[i].state.status != c.status) return replace_status(c, states, i);
        return {StateEdit{std::string(c.text), StateChange::AlreadyRecorded, c.status,
                          states[i].state.status_line},
                std::nullopt};
    }
    if (states.empty()) return fill_empty_states(c, states_entry, list_indent_step);
    if (written_in_flow(c.lines, list)) {
        return {std::nullopt,
                yaml::Diagnostic{list.position, kStatesPath,
                                 std::string("written in flow style ([...]), so a new "
                                             "entry cannot be added safely") +
                                     kByHand}};
    }
    return append_item(c, list, states);
}

yaml::Diagnostic no_section(yaml::SourcePosition position) {
    return yaml::Diagnostic{position, kSection,
                            "MissingParameter: the config has no device_certificates section (with "
                            "registry) to record device states in"};
}

}  // namespace

StatesReading read_recorded_states(std::string_view text) {
    yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error) return {{}, parsed.error};
    return states_in(*parsed.root);
}

StateEditResult record_device_state(std::string_view text, const StateKey& key,
                                    DeviceStatus status) {
    const yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error) return {std::nullopt, parsed.error};
    const yaml::YamlEntry* section = find_entry(*parsed.root, kSection);
    if (!section || !section->value.is_mapping()) {
        return {std::nullopt, no_section(section ? section->key_position : yaml::SourcePosition{})};
    }
    const TextLines lines(text);
    const Context context{text, lines, *parsed.root, key, status};
    const int mapping_step = section->value.position.column - section->key_position.column;
    const int list_indent_step =
        list_indent(*parsed.root, lines).value_or(mapping_step > 0 ? mapping_step : 2);
    const yaml::YamlEntry* states = find_entry(section->value, "states");
    if (!states) return add_states_key(context, *section, list_indent_step);
    if (states->value.is_null()) return fill_empty_states(context, *states, list_indent_step);
    if (!states->value.is_sequence()) {
        return {std::nullopt,
                yaml::Diagnostic{states->value.position, kStatesPath,
                                 "InvalidParameter: expected a list (mqauth check says "
                                 "more)"}};
    }
    return edit_list(context, *states, list_indent_step);
}

}  // namespace mqauth::editing
