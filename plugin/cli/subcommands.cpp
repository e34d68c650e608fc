// SPDX-License-Identifier: Apache-2.0
#include "subcommands.h"

#include <algorithm>
#include <iostream>

#include "broker_reload.h"

namespace mqauth::cli {
namespace {

const Subcommand* find_subcommand(const SubcommandVerb& verb, const std::string& name) {
    for (const Subcommand& subcommand : verb.subcommands) {
        if (name == subcommand.name) return &subcommand;
    }
    return nullptr;
}

std::string subcommand_names(const SubcommandVerb& verb) {
    std::string names;
    for (std::size_t i = 0; i < verb.subcommands.size(); ++i) {
        if (i > 0) names += i + 1 == verb.subcommands.size() ? " or " : ", ";
        names += verb.subcommands[i].name;
    }
    return names;
}

int usage_error(const SubcommandVerb& verb, const Subcommand* subcommand,
                const std::string& message) {
    std::cerr << "mqauth " << verb.name << (subcommand ? std::string(" ") + subcommand->name : "")
              << ": " << message << "\n"
              << (subcommand ? subcommand->usage : verb.usage);
    return kExitUsage;
}

}  // namespace

int run_subcommand(const SubcommandVerb& verb, int argc, char** argv, int first) {
    const std::string name = first < argc ? argv[first] : "";
    if (name == "--help" || name == "-h") {
        std::cout << verb.usage;
        return kExitOk;
    }
    const Subcommand* subcommand = find_subcommand(verb, name);
    if (!subcommand) {
        return usage_error(verb, nullptr,
                           name.empty() ? "expected " + subcommand_names(verb)
                                        : "unknown subcommand \"" + name + "\"");
    }
    std::string error;
    const auto args =
        parse_arguments(argc, argv, first + 1, subcommand->options, error, subcommand->flags);
    if (args && args->help) {
        std::cout << subcommand->usage;
        return kExitOk;
    }
    if (!args) return usage_error(verb, subcommand, error);
    if (args->positionals.size() > subcommand->positionals) {
        return usage_error(verb, subcommand,
                           "unexpected argument \"" + args->positionals.back() + "\"");
    }
    try {
        return subcommand->run(*args);
    } catch (const UsageError& misuse) {
        return usage_error(verb, subcommand, misuse.what());
    }
}

std::vector<std::string> editing_options(std::vector<std::string> own) {
    own.insert(own.end(), {"config", kPidOption, kMosquittoConfOption, kBrokerLogOption});
    return own;
}

std::vector<std::string> editing_flags(std::vector<std::string> own) {
    own.push_back(kReloadFlag);
    return own;
}

std::string required_option(const Arguments& args, const std::string& name) {
    auto value = args.option(name);
    if (!value || value->empty()) throw UsageError("--" + name + " is required");
    return *value;
}

std::optional<std::string> enum_option(const Arguments& args, const std::string& name,
                                       const std::vector<std::string>& values) {
    const auto value = args.option(name);
    if (!value) return std::nullopt;
    const std::string upper = upper_case(*value);
    for (const std::string& each : values) {
        if (upper_case(each) == upper) return each;
    }
    std::string allowed;
    for (const std::string& each : values) allowed += (allowed.empty() ? "" : " | ") + each;
    throw UsageError("--" + name + " must be " + allowed + ", not \"" + *value + "\"");
}

}  // namespace mqauth::cli
