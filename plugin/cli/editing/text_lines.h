// SPDX-License-Identifier: Apache-2.0
#pragma once
// A config file's text seen as lines, for edits that keep every byte they do not change. The
// YAML tree's positions (1-based line and column, columns counted in bytes) map to byte offsets
// through it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yaml/diagnostic.h"

namespace mqauth::editing {

class TextLines {
   public:
    explicit TextLines(std::string_view text);

    std::string_view text() const { return text_; }
    int count() const { return static_cast<int>(starts_.size()); }
    // A line number outside 1..count() names the empty line at the end of the text: the YAML
    // tree places an empty item ("-" with nothing after it) at the token that follows it, which
    // is past the last line when the list ends the file.
    std::size_t start(int line) const;
    // Just past the line's break (the end of the text for a last line without one).
    std::size_t end(int line) const;
    // The line without its break.
    std::string_view line(int line) const;
    // The byte a position points at; nullopt when it lies outside the text.
    std::optional<std::size_t> offset(yaml::SourcePosition position) const;
    char at(yaml::SourcePosition position) const;
    // New lines follow the file's own line ending.
    const char* newline() const { return crlf_ ? "\r\n" : "\n"; }

   private:
    bool contains(int line) const;

    std::string_view text_;
    std::vector<std::size_t> starts_;
    bool crlf_ = false;
};

int indent_of(std::string_view line);
bool is_blank(std::string_view line);
bool is_comment(std::string_view line);

// The last line of a block that starts on `first` and whose lines are indented deeper than
// `parent_indent`. Blank lines and comments after its last content line stay with what follows
// (they usually introduce it), except comments right below it at its own depth.
int last_line_of_block(const TextLines& lines, int first, int parent_indent);

// The last line of a mapping entry whose key is on `key_line` at column `key_indent` (0-based):
// as last_line_of_block, and a block list written at the key's own depth ("key:\n- a") is part
// of it.
int last_line_of_entry(const TextLines& lines, int key_line, int key_indent);

// The last line that is neither blank nor a comment (0 for a text without one).
int last_content_line(const TextLines& lines);

// `text` with `addition` (whole lines) inserted after line `line` (0: before the first).
std::string insert_after_line(const TextLines& lines, int line, const std::string& addition);

// `text` without lines first..last, replaced by `replacement` (whole lines, may be empty).
std::string replace_lines(const TextLines& lines, int first, int last,
                          const std::string& replacement);

std::string spaces(int count);

}  // namespace mqauth::editing
