#pragma once
// A tiny command-line parser for the verbs: `--name value` (or `--name=value`) options, `--help`,
// and positionals.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mqauth::cli {

// Exit codes shared by every verb (SPEC.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;

struct Arguments {
    std::map<std::string, std::string> options;  // without the leading "--"
    std::vector<std::string> positionals;
    bool help = false;

    std::optional<std::string> option(const std::string& name) const;
};

// Parses argv[first..]; every option takes one value. On a malformed line returns nullopt and
// writes why to `error`. `allowed` lists the option names the verb accepts.
std::optional<Arguments> parse_arguments(int argc, char** argv, int first,
                                         const std::vector<std::string>& allowed,
                                         std::string& error);

// Enum values are taken in any case on the command line (`--mechanism scram-sha-256`), though the
// config spells them exactly as the vendor APIs do: the value to look up, in upper case.
std::string upper_case(std::string text);

}  // namespace mqauth::cli
