#pragma once
// The registry file's text: YAML that operators can read (and `mqauth devices list` shows),
// written only by mqauth. Parsing is strict: anything unexpected is corruption, reported with
// its line, never skipped.
#include <string>
#include <string_view>
#include <vector>

#include "certs/registry_entry.h"
#include "yaml/diagnostic.h"

namespace mqauth::certs {

std::string format_registry(const std::vector<const RegistryEntry*>& entries);

struct RegistryParse {
    std::vector<RegistryEntry> entries;  // in file order
    std::vector<yaml::Diagnostic> errors;
};

RegistryParse parse_registry(std::string_view text);

}  // namespace mqauth::certs
