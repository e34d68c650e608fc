// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mqauth::yaml {

// 1-based line and column in the config file; 0 when the problem has no place (an unreadable file).
struct SourcePosition {
    int line = 0;
    int column = 0;
};

// One problem found in a config: where, which key, what is wrong. The message starts with one of
// the ApsaraMQ APIs' error codes (MissingParameter, InvalidParameter, ...) and never holds a
// secret.
struct Diagnostic {
    SourcePosition position;
    std::string path;  // e.g. identities[2].sign_mode
    std::string message;
};

// "FILE:LINE:COL: key.path: message", the format `mqauth check` and the broker log print.
std::string format_diagnostic(std::string_view file, const Diagnostic& diagnostic);

class Diagnostics {
   public:
    void error(SourcePosition position, std::string path, std::string message);
    bool empty() const { return errors_.empty(); }
    const std::vector<Diagnostic>& errors() const { return errors_; }
    std::vector<Diagnostic> take() { return std::move(errors_); }

   private:
    std::vector<Diagnostic> errors_;
};

}  // namespace mqauth::yaml
