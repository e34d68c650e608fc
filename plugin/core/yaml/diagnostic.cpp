// SPDX-License-Identifier: Apache-2.0
#include "yaml/diagnostic.h"

namespace mqauth::yaml {

std::string format_diagnostic(std::string_view file, const Diagnostic& diagnostic) {
    std::string out(file);
    out += ':' + std::to_string(diagnostic.position.line) + ':' +
           std::to_string(diagnostic.position.column) + ": ";
    if (!diagnostic.path.empty()) out += diagnostic.path + ": ";
    out += diagnostic.message;
    return out;
}

void Diagnostics::error(SourcePosition position, std::string path, std::string message) {
    errors_.push_back({position, std::move(path), std::move(message)});
}

}  // namespace mqauth::yaml
