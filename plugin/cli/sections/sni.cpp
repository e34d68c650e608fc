// SPDX-License-Identifier: Apache-2.0
// mqauth sni set|list: ApsaraMQ for MQTT's SetSniConfig, the domain -> certificate map of the
// config's `sni` section, in the API's string form.
#include <iostream>
#include <string>

#include "broker_reload.h"
#include "config_change.h"
#include "sni/sni_config_string.h"
#include "subcommands.h"
#include "text_table.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

const editing::KeyPath kSni{"sni"};

constexpr const char* kUsage =
    "usage: mqauth sni set|list --config FILE ...\n"
    "Server certificates by the name TLS clients ask for (ApsaraMQ for MQTT's SetSniConfig):\n"
    "  set   replace the domain map with SetSniConfig's string form\n"
    "  list  the domains with their certificates, the certificates, and the default\n"
    "mqauth sni SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

const std::string kSetUsage =
    std::string(
        "usage: mqauth sni set --config FILE 'DOMAIN#CERT_ID;DOMAIN#CERT_ID#PASSWORD;...' "
        "[--reload]\n"
        "       mqauth sni set --config FILE - [--reload]      (the string on standard input)\n"
        "Writes the string as sni.sni_config, in place of the sni.domains list if there was one.\n"
        "Entries are separated by ';'; each names a domain (exact, or \"*.\" and the rest of the\n"
        "name) and the certificate_id of one of sni.certificates, and may end in the password of\n"
        "that certificate's key. Give the string on standard input (\"-\") when it holds a\n"
        "password: the command line is visible to every user of the machine. The sni section\n"
        "and its certificates must exist; every certificate id must be one of them.\n") +
    kReloadUsage;

constexpr const char* kListUsage =
    "usage: mqauth sni list --config FILE\n"
    "The domain map (domain, certificate_id, whether a key password is given, the line of the\n"
    "domains item or of sni_config, and the number of the entry in sni_config), then the\n"
    "certificates (certificate_id, cert_file, key_file, line) and the default certificate.\n"
    "Never a password.\n";

void list_domains(const ConfigUnderEdit& config) {
    // Cells are single words (text_table.h): the line, and the entry's number in the string.
    TextTable table({"domain", "certificate_id", "password", "line", "entry"});
    for (const yaml::YamlNode& item : list_items(config, {"sni", "domains"})) {
        table.add_row({field_text(item, "domain"), field_text(item, "certificate_id"), "no",
                       std::to_string(item.position.line), ""});
    }
    if (const yaml::YamlNode* string = config.document.find({"sni", "sni_config"})) {
        const sni::SniConfigParse parsed = sni::parse_sni_config(string->scalar);
        for (std::size_t i = 0; i < parsed.entries.size(); ++i) {
            const sni::SniConfigEntry& entry = parsed.entries[i];
            table.add_row({std::string(entry.domain), std::string(entry.certificate_id),
                           entry.password ? "yes" : "no", std::to_string(string->position.line),
                           std::to_string(i + 1)});
        }
    }
    table.print(std::cout);
}

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    list_domains(*config);
    std::cout << "\n";
    TextTable certificates({"certificate_id", "cert_file", "key_file", "line"});
    for (const yaml::YamlNode& item : list_items(*config, {"sni", "certificates"})) {
        certificates.add_row({field_text(item, "certificate_id"), field_text(item, "cert_file"),
                              field_text(item, "key_file"), std::to_string(item.position.line)});
    }
    certificates.print(std::cout);
    const yaml::YamlNode* fallback = config->document.find({"sni", "default_certificate"});
    std::cout << "\ndefault_certificate: " << (fallback ? fallback->scalar : "-") << "\n";
    return kExitOk;
}

std::optional<std::string> sni_string(const Arguments& args) {
    if (args.positionals.empty()) throw UsageError("the SetSniConfig string is required");
    if (args.positionals.front() != "-") return args.positionals.front();
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

int run_set(const Arguments& args) {
    const auto text = sni_string(args);
    const sni::SniConfigParse parsed = sni::parse_sni_config(*text);
    if (!parsed.error.empty()) {
        // The parser's message names the entry ("entry 2 is empty ..."), or the whole string.
        std::cerr << "mqauth sni set: " << (parsed.error_entry ? "" : "the string ") << parsed.error
                  << "\n";
        return kExitRejected;
    }
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    if (!config->document.find(kSni)) {
        return refuse(*config, 0,
                      "no sni section: add it with its certificates and default_certificate "
                      "first (see README, SNI)");
    }
    return commit_change(*config,
                         config->document.set_mapping_fields(
                             kSni, {{"sni_config", editing::quoted_scalar(*text)}}, {"domains"}),
                         "sni_config set: " + std::to_string(parsed.entries.size()) + " domains",
                         args);
}

SubcommandVerb sni_verb() {
    return {"sni",
            kUsage,
            {{"set", kSetUsage.c_str(), editing_options({}), editing_flags(), run_set, 1},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

VerbHelp sni_help() {
    return help_of(sni_verb());
}

int run_sni(int argc, char** argv, int first) {
    return run_subcommand(sni_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
