// SPDX-License-Identifier: Apache-2.0
#pragma once
// Typed, positioned access to one YAML mapping of the config. Every read records the key as known;
// finish() then reports every key nobody asked for, so a typo is an error instead of a silently
// ignored setting.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "yaml/diagnostic.h"
#include "yaml/yaml_tree.h"

namespace mqauth::yaml {

enum class Presence { Required, Optional };

template <typename E>
using EnumChoices = std::initializer_list<std::pair<std::string_view, E>>;

class MappingReader {
   public:
    // `node` must outlive the reader. A non-mapping node is reported once and reads as empty.
    MappingReader(const YamlNode& node, std::string path, Diagnostics& diagnostics);

    bool valid() const { return mapping_ != nullptr; }
    const std::string& path() const { return path_; }
    SourcePosition position() const { return position_; }
    std::string path_of(std::string_view key) const;

    bool has(std::string_view key);  // present and not null
    const YamlNode* find(std::string_view key);

    std::optional<std::string> string(std::string_view key, Presence presence);
    std::optional<long long> integer(std::string_view key, Presence presence);
    std::optional<bool> boolean(std::string_view key, Presence presence);  // true | false only
    const YamlNode* sequence(std::string_view key, Presence presence);
    const YamlNode* mapping(std::string_view key, Presence presence);

    template <typename E>
    std::optional<E> enumeration(std::string_view key, EnumChoices<E> choices, Presence presence);

    void report(std::string_view key, std::string message);  // an error at the key's value
    void report_here(std::string message);                   // an error at the mapping itself
    void finish();

   private:
    const YamlNode* scalar(std::string_view key, Presence presence, const char* expected);
    void report_missing(std::string_view key);
    void report_choices(const YamlNode& node, std::string_view key, const std::string& allowed);

    const YamlNode* mapping_ = nullptr;
    std::string path_;
    SourcePosition position_;
    Diagnostics& diagnostics_;
    std::unordered_set<std::string> known_;
};

template <typename E>
std::optional<E> MappingReader::enumeration(std::string_view key, EnumChoices<E> choices,
                                            Presence presence) {
    const YamlNode* node = scalar(key, presence, "one of the listed values");
    if (!node) return std::nullopt;
    std::string allowed;
    for (const auto& [name, value] : choices) {
        if (node->scalar == name) return value;  // exact case, as the vendor APIs spell them
        allowed += allowed.empty() ? "" : ", ";
        allowed += name;
    }
    report_choices(*node, key, allowed);
    return std::nullopt;
}

}  // namespace mqauth::yaml
