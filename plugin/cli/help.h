// SPDX-License-Identifier: Apache-2.0
#pragma once
// What each verb's command lines accept and print for --help, as data: the one source of
// `--help`, of the man page (man_page.cpp) and of the bash completion (bash_completion.cpp), so
// that they cannot drift apart. Every verb describes itself (verbs.h); main.cpp lists the verbs.
#include <iosfwd>
#include <string>
#include <vector>

namespace mqauth::cli {

struct SubcommandVerb;

// One command line: a subcommand, or a verb without subcommands (name "").
struct CommandHelp {
    std::string name;
    std::string usage;                 // its --help, as printed
    std::vector<std::string> options;  // without "--"; each takes a value
    std::vector<std::string> flags;    // without "--"; none takes a value
    bool positionals = false;          // takes words besides its options (a FILE)
};

struct VerbHelp {
    std::string usage;                  // the verb's --help
    std::vector<CommandHelp> commands;  // its subcommands, or its one unnamed command line
};

// A verb with subcommands, described by the table it runs from.
VerbHelp help_of(const SubcommandVerb& verb);
// A verb that is one command line.
VerbHelp single_command_help(std::string usage, std::vector<std::string> options,
                             std::vector<std::string> flags = {}, bool positionals = false);

struct VerbEntry {
    std::string name;
    std::string summary;  // one line, as `mqauth --help` lists it
    VerbHelp help;
};

// Where an installed mqauth's files are, for the man page's FILES.
struct InstalledPaths {
    std::string plugin;   // /usr/lib/x86_64-linux-gnu/mqauth.so
    std::string config;   // /etc/mosquitto/mqauth.yaml
    std::string drop_in;  // /etc/mosquitto/conf.d/mqauth.conf.example
    std::string schema;   // /usr/share/mqauth/mqauth.schema.json
    std::string example;  // /usr/share/doc/mqauth/examples/mqauth.yaml
};

// mqauth(1) in man(7) markup.
void write_man_page(std::ostream& out, const std::vector<VerbEntry>& verbs,
                    const std::string& version, const InstalledPaths& paths);
// A bash completion script defining _mqauth for `complete -F`.
void write_bash_completion(std::ostream& out, const std::vector<VerbEntry>& verbs);

// The word an option's value is shown as in a usage text ("FILE" for `--config FILE`), or "".
std::string option_placeholder(const std::string& usage, const std::string& option);

}  // namespace mqauth::cli
