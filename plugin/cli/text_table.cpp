// SPDX-License-Identifier: Apache-2.0
#include "text_table.h"

#include <algorithm>
#include <cstdio>

namespace mqauth::cli {
namespace {

constexpr const char* kColumnGap = "  ";

bool needs_escape(unsigned char byte) {
    return byte <= 0x20 || byte == 0x7f || byte == '\\';
}

// U+0080..U+009F (C1 controls; 0x9B is a CSI on some terminals) are C2 80..C2 9F in UTF-8.
bool is_c1_control(std::string_view value, std::size_t i) {
    return static_cast<unsigned char>(value[i]) == 0xc2 && i + 1 < value.size() &&
           static_cast<unsigned char>(value[i + 1]) >= 0x80 &&
           static_cast<unsigned char>(value[i + 1]) <= 0x9f;
}

void append_escaped(std::string& out, unsigned char byte) {
    char hex[5];
    std::snprintf(hex, sizeof hex, "\\x%02x", byte);
    out += hex;
}

}  // namespace

std::string printable_cell(std::string_view value) {
    if (value.empty()) return "-";
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto byte = static_cast<unsigned char>(value[i]);
        if (is_c1_control(value, i)) {
            append_escaped(out, byte);
            append_escaped(out, static_cast<unsigned char>(value[++i]));
        } else if (needs_escape(byte)) {
            append_escaped(out, byte);
        } else {
            out += value[i];
        }
    }
    return out;
}

TextTable::TextTable(std::vector<std::string> header) {
    rows_.push_back(std::move(header));
}

void TextTable::add_row(std::vector<std::string> cells) {
    for (std::string& cell : cells) cell = printable_cell(cell);
    cells.resize(rows_.front().size(), "-");
    rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out) const {
    std::vector<std::size_t> widths(rows_.front().size(), 0);
    for (const auto& row : rows_) {
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows_) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(widths[i] - row[i].size(), ' ') + kColumnGap;
        }
        out << line << "\n";
    }
}

}  // namespace mqauth::cli
