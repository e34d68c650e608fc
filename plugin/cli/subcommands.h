// SPDX-License-Identifier: Apache-2.0
#pragma once
// Verbs made of subcommands (`mqauth identities add|remove|list`): the table each verb fills in
// and the one dispatcher that parses the command line, answers --help and reports misuse the
// same way for all of them.
#include <string>
#include <vector>

#include "arguments.h"

namespace mqauth::cli {

struct Subcommand {
    const char* name;
    const char* usage;  // its --help, ending in a newline
    std::vector<std::string> options;
    std::vector<std::string> flags;
    int (*run)(const Arguments& args);  // may throw UsageError
    std::size_t positionals = 0;        // how many words besides the options it takes, at most
};

struct SubcommandVerb {
    const char* name;   // "identities"
    const char* usage;  // the verb's --help, listing its subcommands
    std::vector<Subcommand> subcommands;
};

// argv[first] names the subcommand; the rest are its arguments.
int run_subcommand(const SubcommandVerb& verb, int argc, char** argv, int first);

// The options and flag of every subcommand that edits the config: --config and --reload's.
std::vector<std::string> editing_options(std::vector<std::string> own);
std::vector<std::string> editing_flags(std::vector<std::string> own = {});

// The value of a required option, else UsageError.
std::string required_option(const Arguments& args, const std::string& name);
// An enum option given in any case, as `values` spells it (the config's own spelling); nullopt
// when absent, UsageError when it is none of them.
std::optional<std::string> enum_option(const Arguments& args, const std::string& name,
                                       const std::vector<std::string>& values);

}  // namespace mqauth::cli
