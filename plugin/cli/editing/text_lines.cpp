// SPDX-License-Identifier: Apache-2.0
#include "editing/text_lines.h"

namespace mqauth::editing {

TextLines::TextLines(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && i + 1 < text.size()) starts_.push_back(i + 1);
    }
    const auto first_break = text.find('\n');
    crlf_ =
        first_break != std::string_view::npos && first_break > 0 && text[first_break - 1] == '\r';
}

bool TextLines::contains(int line) const {
    return line >= 1 && line <= count();
}

std::size_t TextLines::start(int line) const {
    return contains(line) ? starts_[static_cast<std::size_t>(line - 1)] : text_.size();
}

std::size_t TextLines::end(int line) const {
    return contains(line) && line < count() ? starts_[static_cast<std::size_t>(line)]
                                            : text_.size();
}

std::string_view TextLines::line(int line) const {
    std::string_view text = text_.substr(start(line), end(line) - start(line));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    return text;
}

std::optional<std::size_t> TextLines::offset(yaml::SourcePosition position) const {
    if (position.line < 1 || position.line > count() || position.column < 1) return {};
    const std::size_t column = static_cast<std::size_t>(position.column - 1);
    if (column >= line(position.line).size()) return {};
    return start(position.line) + column;
}

char TextLines::at(yaml::SourcePosition position) const {
    const auto found = offset(position);
    return found ? text_[*found] : '\0';
}

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

int last_line_of_entry(const TextLines& lines, int key_line, int key_indent) {
    int last = last_line_of_block(lines, key_line, key_indent);
    while (last < lines.count()) {
        int next = last + 1;
        while (next <= lines.count() &&
               (is_blank(lines.line(next)) || is_comment(lines.line(next)))) {
            ++next;
        }
        if (next > lines.count()) break;
        const std::string_view line = lines.line(next);
        if (indent_of(line) != key_indent ||
            line.substr(static_cast<std::size_t>(key_indent), 1) != "-") {
            break;
        }
        last = last_line_of_block(lines, next, key_indent);
    }
    return last;
}

int last_content_line(const TextLines& lines) {
    for (int n = lines.count(); n >= 1; --n) {
        if (!is_blank(lines.line(n)) && !is_comment(lines.line(n))) return n;
    }
    return 0;
}

std::string insert_after_line(const TextLines& lines, int line, const std::string& addition) {
    const std::string_view text = lines.text();
    const std::size_t at = line < 1 ? 0 : lines.end(line);
    std::string out(text.substr(0, at));
    if (!out.empty() && out.back() != '\n') out += lines.newline();
    out += addition;
    out += text.substr(at);
    return out;
}

std::string replace_lines(const TextLines& lines, int first, int last,
                          const std::string& replacement) {
    const std::string_view text = lines.text();
    std::string out(text.substr(0, lines.start(first)));
    out += replacement;
    out += text.substr(lines.end(last));
    return out;
}

std::string spaces(int count) {
    return std::string(static_cast<std::size_t>(count > 0 ? count : 0), ' ');
}

}  // namespace mqauth::editing
