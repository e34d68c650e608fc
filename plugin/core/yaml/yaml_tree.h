// SPDX-License-Identifier: Apache-2.0
#pragma once
// A YAML document as a plain tree that remembers where every node came from. Built from
// yaml-cpp's event parser rather than its Node API, because the Node API silently keeps the
// first of two duplicate keys and loses the positions we need in error messages.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yaml/diagnostic.h"

namespace mqauth::yaml {

struct YamlEntry;

struct YamlNode {
    enum class Kind { Null, Scalar, Sequence, Mapping };

    Kind kind = Kind::Null;
    SourcePosition position;
    std::string scalar;   // Scalar
    bool quoted = false;  // Scalar written in quotes: always a string, never a number or bool
    std::vector<YamlNode> items;     // Sequence
    std::vector<YamlEntry> entries;  // Mapping, in file order, keys unique

    bool is_mapping() const { return kind == Kind::Mapping; }
    bool is_sequence() const { return kind == Kind::Sequence; }
    bool is_scalar() const { return kind == Kind::Scalar; }
    bool is_null() const { return kind == Kind::Null; }
};

struct YamlEntry {
    std::string key;
    SourcePosition key_position;
    YamlNode value;
};

struct YamlParseResult {
    std::optional<YamlNode> root;  // set on success; a Null node for an empty document
    std::optional<Diagnostic> error;
};

// Parses one YAML document. Refuses (with a positioned error): syntax errors, duplicate keys,
// non-scalar keys, anchors and aliases, more than one document, nesting deeper than kMaxDepth.
YamlParseResult parse_yaml(std::string_view text);

inline constexpr int kMaxYamlDepth = 32;

}  // namespace mqauth::yaml
