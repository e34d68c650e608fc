// SPDX-License-Identifier: Apache-2.0
#pragma once
// The config file as text, for verbs that edit it: the bytes that were validated are the bytes
// that get edited, and the file must still hold them when it is replaced.
#include <optional>
#include <string>
#include <string_view>

#include "config/loader.h"
#include "yaml/diagnostic.h"

namespace mqauth::cli {

struct ConfigText {
    std::string path;  // as given: messages name it, and relative paths resolve against its
                       // directory, as when the broker loads it
    std::string text;
};

// nullopt after printing why to stderr.
std::optional<ConfigText> read_config_text(const std::string& path);

// Loads `text` as the broker would load it from `config.path`.
config::LoadResult load_config_text(const ConfigText& config, std::string_view text);

// Prints every error, one "FILE:LINE:COL: key.path: message" line each, to stderr.
void print_load_errors(const config::LoadResult& result);

// "FILE:LINE:COL: path: message", or "FILE: path: message" when the problem has no place.
std::string describe(const std::string& file, const yaml::Diagnostic& diagnostic);

// A config file that loads: its text, and what it loads as.
struct ValidConfig {
    ConfigText config;
    config::LoadResult loaded;  // ok()
};

// nullopt after printing why (the file cannot be read, or every error it loads with).
std::optional<ValidConfig> read_valid_config(const std::string& path);

// Replaces the file with `text` if it loads exactly as the broker will load it; otherwise prints
// the errors and leaves the file as it is. True when replaced.
bool replace_with_valid_text(const ConfigText& config, const std::string& text);

// Replaces the file with `text` durably (certs::replace_file_durably) with its mode and owner,
// following a symlink to the file it names. Refuses, leaving it alone, when the file no longer
// holds `config.text` (someone saved it meanwhile). nullopt on success, else why not.
std::optional<std::string> replace_config_text(const ConfigText& config, const std::string& text);

}  // namespace mqauth::cli
