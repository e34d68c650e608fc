// SPDX-License-Identifier: Apache-2.0
// mqauth cas add|remove|activate|deactivate|list: the CAs that may issue device certificates
// (ApsaraMQ for MQTT's CA certificate APIs) as entries of the config's `ca_certificates`.
#include <iostream>
#include <string>

#include "broker_reload.h"
#include "config_change.h"
#include "io/paths.h"
#include "subcommands.h"
#include "text_table.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

const editing::KeyPath kCas{"ca_certificates"};

constexpr const char* kUsage =
    "usage: mqauth cas add|remove|activate|deactivate|list --config FILE ...\n"
    "CA certificates that may issue device certificates:\n"
    "  add         list a CA (its PEM must be a CA certificate: CA:TRUE)\n"
    "  remove      unlist one; its devices are refused once the broker reloads\n"
    "  activate    status ACTIVE: its devices may connect\n"
    "  deactivate  status INACTIVE: its devices are refused (and disconnected on reload)\n"
    "  list        the CAs, with the line of each\n"
    "mqauth cas SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

const std::string kAddUsage =
    std::string(
        "usage: mqauth cas add --config FILE --ca-name NAME --file PEM [--status ACTIVE|INACTIVE]\n"
        "           [--reload]\n"
        "Adds the CA at the end of FILE's ca_certificates (status ACTIVE unless given), keeping\n"
        "comments and layout, once the edited file loads as the broker would load it: PEM must\n"
        "hold one CA certificate (basicConstraints CA:TRUE) that no other entry lists. The path "
        "is\n"
        "written absolute; the broker's user must be able to read it.\n") +
    kReloadUsage;

const std::string kNameUsage =
    std::string(
        "usage: mqauth cas remove|activate|deactivate --config FILE --ca-name NAME [--reload]\n"
        "remove unlists the CA; activate and deactivate set its status. Devices of a CA that is\n"
        "unlisted or INACTIVE are refused, and disconnected when the broker reloads.\n") +
    kReloadUsage;

constexpr const char* kListUsage =
    "usage: mqauth cas list --config FILE\n"
    "One line per CA: ca_name, status, file and its line in FILE.\n";

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    TextTable table({"ca_name", "status", "file", "line"});
    for (const yaml::YamlNode& ca : list_items(*config, kCas)) {
        const std::string status = field_text(ca, "status");
        table.add_row({field_text(ca, "ca_name"), status.empty() ? "ACTIVE" : status,
                       field_text(ca, "file"), std::to_string(ca.position.line)});
    }
    table.print(std::cout);
    return kExitOk;
}

std::optional<std::size_t> find_ca(const ConfigUnderEdit& config, const std::string& name) {
    return find_item(config, kCas, "ca_name", name);
}

int run_add(const Arguments& args) {
    const std::string name = required_option(args, "ca-name");
    const std::string file = io::absolute_path(required_option(args, "file"));
    const std::string status =
        enum_option(args, "status", {"ACTIVE", "INACTIVE"}).value_or("ACTIVE");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    if (const auto existing = find_ca(*config, name)) {
        return refuse(*config, list_items(*config, kCas)[*existing].position.line,
                      "a CA named \"" + name + "\" is listed already");
    }
    const editing::Fields ca{{"ca_name", editing::quoted_scalar(name)},
                             {"file", editing::quoted_scalar(file)},
                             {"status", editing::plain_scalar(status)}};
    return commit_change(*config, config->document.append_item(kCas, ca),
                         "added CA \"" + name + "\" (" + status + ")", args);
}

// remove, activate and deactivate: the CA by name, then the status to give it (none: unlist it).
int with_named_ca(const Arguments& args, const std::optional<std::string>& status) {
    const std::string name = required_option(args, "ca-name");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = find_ca(*config, name);
    if (!index) return refuse(*config, 0, "no CA named \"" + name + "\" (see mqauth cas list)");
    if (!status) {
        return commit_change(*config, config->document.remove_item(kCas, *index),
                             "removed CA \"" + name + "\"", args);
    }
    const yaml::YamlNode& ca = list_items(*config, kCas)[*index];
    if (field_text(ca, "status") == *status ||
        (field_text(ca, "status").empty() && *status == "ACTIVE")) {
        std::cout << config->path() << ":" << ca.position.line << ": CA \"" << name
                  << "\" is already " << *status << "; nothing to change\n";
        return kExitOk;
    }
    return commit_change(*config,
                         config->document.set_item_fields(
                             kCas, *index, {{"status", editing::plain_scalar(*status)}}),
                         "CA \"" + name + "\" is " + *status, args);
}

int run_remove(const Arguments& args) {
    return with_named_ca(args, std::nullopt);
}
int run_activate(const Arguments& args) {
    return with_named_ca(args, "ACTIVE");
}
int run_deactivate(const Arguments& args) {
    return with_named_ca(args, "INACTIVE");
}

SubcommandVerb cas_verb() {
    const auto by_name = editing_options({"ca-name"});
    return {"cas",
            kUsage,
            {{"add", kAddUsage.c_str(), editing_options({"ca-name", "file", "status"}),
              editing_flags(), run_add},
             {"remove", kNameUsage.c_str(), by_name, editing_flags(), run_remove},
             {"activate", kNameUsage.c_str(), by_name, editing_flags(), run_activate},
             {"deactivate", kNameUsage.c_str(), by_name, editing_flags(), run_deactivate},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

VerbHelp cas_help() {
    return help_of(cas_verb());
}

int run_cas(int argc, char** argv, int first) {
    return run_subcommand(cas_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
