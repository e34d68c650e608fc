// SPDX-License-Identifier: Apache-2.0
#pragma once
// A tiny command-line parser for the verbs: `--name value` (or `--name=value`) options, `--name`
// flags, `--help`, and positionals.
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mqauth::cli {

// Exit codes shared by every verb (SPEC.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

struct Arguments {
    std::map<std::string, std::string> options;  // without the leading "--"
    std::set<std::string> flags;
    std::vector<std::string> positionals;
    bool help = false;

    std::optional<std::string> option(const std::string& name) const;
    bool flag(const std::string& name) const { return flags.count(name) != 0; }
};

// Parses argv[first..]. On a malformed line returns nullopt and writes why to `error`.
// `allowed` lists the options the verb accepts, each taking one value; `flags` those that take
// none.
std::optional<Arguments> parse_arguments(int argc, char** argv, int first,
                                         const std::vector<std::string>& allowed,
                                         std::string& error,
                                         const std::vector<std::string>& flags = {});

// A command line a verb cannot run: exit status 2, with the message and the verb's usage.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A whole number in [min, max], the whole text; nullopt otherwise.
std::optional<long long> parse_number(const std::string& text, long long min, long long max);

// Enum values are taken in any case on the command line (`--mechanism scram-sha-256`), though the
// config spells them exactly as the vendor APIs do: the value to look up, in upper case.
std::string upper_case(std::string text);

}  // namespace mqauth::cli
