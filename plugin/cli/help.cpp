// SPDX-License-Identifier: Apache-2.0
#include "help.h"

#include "subcommands.h"

namespace mqauth::cli {

VerbHelp help_of(const SubcommandVerb& verb) {
    VerbHelp help{verb.usage, {}};
    for (const Subcommand& subcommand : verb.subcommands) {
        help.commands.push_back({subcommand.name, subcommand.usage, subcommand.options,
                                 subcommand.flags, subcommand.positionals > 0});
    }
    return help;
}

VerbHelp single_command_help(std::string usage, std::vector<std::string> options,
                             std::vector<std::string> flags, bool positionals) {
    CommandHelp command{"", usage, std::move(options), std::move(flags), positionals};
    return {std::move(usage), {std::move(command)}};
}

std::string option_placeholder(const std::string& usage, const std::string& option) {
    const std::string spelled = "--" + option;
    for (std::size_t at = usage.find(spelled); at != std::string::npos;
         at = usage.find(spelled, at + 1)) {
        const std::size_t end = at + spelled.size();
        // The whole option ("--client-id", not the start of "--client-ids"), then its value.
        if (end >= usage.size() || (usage[end] != ' ' && usage[end] != '=')) continue;
        const std::size_t first = end + 1;
        const std::size_t last = usage.find_first_of(" \n]),", first);
        const std::string word =
            usage.substr(first, last == std::string::npos ? last : last - first);
        if (!word.empty() && word[0] != '-' && word[0] != '[' && word[0] != '(') return word;
    }
    return "";
}

}  // namespace mqauth::cli
