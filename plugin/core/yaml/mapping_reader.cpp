// SPDX-License-Identifier: Apache-2.0
#include "yaml/mapping_reader.h"

#include <charconv>

namespace mqauth::yaml {
namespace {

const char* kind_name(YamlNode::Kind kind) {
    switch (kind) {
        case YamlNode::Kind::Null: return "nothing";
        case YamlNode::Kind::Scalar: return "a scalar";
        case YamlNode::Kind::Sequence: return "a list";
        case YamlNode::Kind::Mapping: return "a mapping";
    }
    return "something else";
}

}  // namespace

MappingReader::MappingReader(const YamlNode& node, std::string path, Diagnostics& diagnostics)
    : path_(std::move(path)), position_(node.position), diagnostics_(diagnostics) {
    if (node.is_mapping()) {
        mapping_ = &node;
    } else {
        diagnostics_.error(
            position_, path_,
            std::string("InvalidParameter: expected a mapping, got ") + kind_name(node.kind));
    }
}

std::string MappingReader::path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const YamlNode* MappingReader::find(std::string_view key) {
    known_.emplace(key);
    if (!mapping_) return nullptr;
    for (const YamlEntry& entry : mapping_->entries) {
        if (entry.key == key) return &entry.value;
    }
    return nullptr;
}

bool MappingReader::has(std::string_view key) {
    const YamlNode* node = find(key);
    return node && !node->is_null();
}

void MappingReader::report(std::string_view key, std::string message) {
    const YamlNode* node = find(key);
    diagnostics_.error(node ? node->position : position_, path_of(key), std::move(message));
}

void MappingReader::report_here(std::string message) {
    diagnostics_.error(position_, path_, std::move(message));
}

void MappingReader::report_missing(std::string_view key) {
    diagnostics_.error(position_, path_of(key),
                       "MissingParameter: " + std::string(key) + " is required");
}

void MappingReader::report_choices(const YamlNode& node, std::string_view key,
                                   const std::string& allowed) {
    diagnostics_.error(
        node.position, path_of(key),
        "InvalidParameter: must be one of " + allowed + ", got \"" + node.scalar + "\"");
}

const YamlNode* MappingReader::scalar(std::string_view key, Presence presence,
                                      const char* expected) {
    const YamlNode* node = find(key);
    if (!node || node->is_null()) {
        if (presence == Presence::Required) report_missing(key);
        return nullptr;
    }
    if (!node->is_scalar()) {
        diagnostics_.error(node->position, path_of(key),
                           std::string("InvalidParameter: expected ") + expected + ", got " +
                               kind_name(node->kind));
        return nullptr;
    }
    return node;
}

std::optional<std::string> MappingReader::string(std::string_view key, Presence presence) {
    const YamlNode* node = scalar(key, presence, "a string");
    if (!node) return std::nullopt;
    return node->scalar;
}

std::optional<long long> MappingReader::integer(std::string_view key, Presence presence) {
    const YamlNode* node = scalar(key, presence, "an integer");
    if (!node) return std::nullopt;
    long long value = 0;
    const char* begin = node->scalar.data();
    const char* end = begin + node->scalar.size();
    auto [stop, error] = std::from_chars(begin, end, value);
    if (node->quoted || error != std::errc() || stop != end || begin == end) {
        diagnostics_.error(node->position, path_of(key), "InvalidParameter: expected an integer");
        return std::nullopt;
    }
    return value;
}

// Only the two YAML 1.2 core spellings, unquoted: "yes", "on" or "True" are typos here, not
// booleans, and a quoted "true" is a string.
std::optional<bool> MappingReader::boolean(std::string_view key, Presence presence) {
    const YamlNode* node = scalar(key, presence, "true or false");
    if (!node) return std::nullopt;
    if (!node->quoted && node->scalar == "true") return true;
    if (!node->quoted && node->scalar == "false") return false;
    diagnostics_.error(node->position, path_of(key),
                       "InvalidParameter: expected true or false, got \"" + node->scalar + "\"");
    return std::nullopt;
}

const YamlNode* MappingReader::sequence(std::string_view key, Presence presence) {
    const YamlNode* node = find(key);
    if (!node || node->is_null()) {
        if (presence == Presence::Required) report_missing(key);
        return nullptr;
    }
    if (!node->is_sequence()) {
        diagnostics_.error(
            node->position, path_of(key),
            std::string("InvalidParameter: expected a list, got ") + kind_name(node->kind));
        return nullptr;
    }
    return node;
}

const YamlNode* MappingReader::mapping(std::string_view key, Presence presence) {
    const YamlNode* node = find(key);
    if (!node || node->is_null()) {
        if (presence == Presence::Required) report_missing(key);
        return nullptr;
    }
    if (!node->is_mapping()) {
        diagnostics_.error(
            node->position, path_of(key),
            std::string("InvalidParameter: expected a mapping, got ") + kind_name(node->kind));
        return nullptr;
    }
    return node;
}

void MappingReader::finish() {
    if (!mapping_) return;
    for (const YamlEntry& entry : mapping_->entries) {
        if (known_.count(entry.key) == 0) {
            diagnostics_.error(entry.key_position, path_of(entry.key),
                               "InvalidParameter: unknown key \"" + entry.key + "\"");
        }
    }
}

}  // namespace mqauth::yaml
