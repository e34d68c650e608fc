// SPDX-License-Identifier: Apache-2.0
#pragma once
// A plain-text table for terminals and grep: a header line, then one line per row, columns
// aligned with spaces, every cell a single word.
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mqauth::cli {

class TextTable {
   public:
    explicit TextTable(std::vector<std::string> header);

    // Empty cells print as "-"; see printable_cell for the rest.
    void add_row(std::vector<std::string> cells);
    void print(std::ostream& out) const;

   private:
    std::vector<std::vector<std::string>> rows_;  // the header first
};

// Cells can hold what a device put in its certificate (the CN): untrusted bytes. Control bytes
// (which would drive the operator's terminal), spaces (which would split a column for awk or
// cut) and backslashes print as \xNN; other UTF-8 text is kept.
std::string printable_cell(std::string_view value);

}  // namespace mqauth::cli
