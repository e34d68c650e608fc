// SPDX-License-Identifier: Apache-2.0
// mqauth devices list|activate|deactivate|revoke|import|delete: the device registry, the
// operator's decisions in device_certificates.states (ApsaraMQ for MQTT's ActiveDeviceCertificate
// and its siblings), moving a YAML registry file into the registry, and forgetting a device.
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "arguments.h"
#include "certs/serial_number.h"
#include "devices.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

using registry::DeviceStatus;

constexpr const char* kUsage =
    "usage: mqauth devices list --config FILE [--device-sn SN] [--issuer DN] [--ca-sn SN]\n"
    "       mqauth devices activate|deactivate|revoke --config FILE --device-sn SN\n"
    "                     (--issuer DN | --ca-sn SN)\n"
    "       mqauth devices import --config FILE --from REGISTRY.yaml\n"
    "       mqauth devices delete --config FILE --device-sn SN --issuer DN\n"
    "Device certificates (ApsaraMQ's ActiveDeviceCertificate and its siblings):\n"
    "  list        the device registry with every device's effective state\n"
    "  activate    record ACTIVE for a device in the config's device_certificates.states\n"
    "  deactivate  record INACTIVE: the device is refused until it is activated again\n"
    "  revoke      record REVOKED: the device is refused\n"
    "  import      move the devices of a YAML registry_file into the configured registry\n"
    "  delete      forget a registered device (DeleteDeviceCertificate)\n"
    "mqauth devices SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input, 2 usage error.\n";

constexpr const char* kListUsage =
    "usage: mqauth devices list --config FILE [--device-sn SN] [--issuer DN] [--ca-sn SN]\n"
    "Shows the device registry of the config FILE (device_certificates.registry, where brokers\n"
    "register each certificate on its first valid connect; with PostgreSQL, every broker's),\n"
    "then the states recorded in device_certificates.states for devices not registered yet.\n"
    "One line per device under a header line; empty fields print as \"-\", and spaces or\n"
    "control characters inside a field as \\xNN. The columns:\n"
    "  device_sn         the certificate's serial, canonical hex\n"
    "  issuer            its issuer's name (RFC 2253): a device is its serial and its issuer\n"
    "  ca_name           the listed CA its chain verified against when registered\n"
    "  common_name       its subject CN\n"
    "  not_after         the end of its validity (UTC)\n"
    "  first_seen        when it was registered (UTC)\n"
    "  registry          the state the broker registered, or \"unregistered\"\n"
    "  operator          the state recorded in the config, or \"-\"\n"
    "  effective         the operator's state over the registry's: the one the broker applies\n"
    "  ca_status         its CA now: ACTIVE, INACTIVE, or UNLISTED (not in ca_certificates)\n"
    "A device is admitted only when effective and ca_status are both ACTIVE.\n"
    "--device-sn, --issuer and --ca-sn show only the devices with that serial, issuer or CA.\n"
    "Exit status: 0 ok, 1 invalid config or corrupt registry, 2 usage error.\n";

constexpr const char* kImportUsage =
    "usage: mqauth devices import --config FILE --from REGISTRY.yaml\n"
    "Copies every device of REGISTRY.yaml (the YAML file earlier mqauth versions kept in\n"
    "device_certificates.registry_file) into the registry the config FILE names in\n"
    "device_certificates.registry, in one transaction; devices already there are kept as they\n"
    "are, so running it twice changes nothing. REGISTRY.yaml is only read. That file did not\n"
    "record a device's issuer: each device is filed under the issuer of the listed CA it\n"
    "verified against (its ca_sn), which is its issuer unless an intermediate CA issued it;\n"
    "such a device is registered again under its own issuer when it next connects. So that it\n"
    "keeps an INACTIVE or REVOKED state the old registry gave it, that state is also recorded\n"
    "in FILE's device_certificates.states by ca_sn (unless FILE decides the device already),\n"
    "which applies it whatever the issuer, as the old registry did. Devices of a CA no longer\n"
    "listed are kept with an empty issuer. An SQLite registry the import creates\n"
    "as root is given to the owner of its directory (the broker's user, as Debian sets up\n"
    "/var/lib/mosquitto).\n"
    "Exit status: 0 imported, 1 rejected (invalid config or file, registry unavailable), 2\n"
    "usage error.\n";

constexpr const char* kDeleteUsage =
    "usage: mqauth devices delete --config FILE --device-sn SN --issuer DN\n"
    "Deletes the device with serial --device-sn issued by --issuer (RFC 2253, as `mqauth\n"
    "devices list` prints it) from the registry the config FILE names (ApsaraMQ for MQTT's\n"
    "DeleteDeviceCertificate): with PostgreSQL, for every broker of the fleet. Brokers look\n"
    "the device up again after their next reload: while its certificate verifies against an\n"
    "ACTIVE CA, it is registered anew, ACTIVE, when it connects. To keep a device out, revoke\n"
    "it (mqauth devices revoke) instead. States recorded in FILE are not touched.\n"
    "Exit status: 0 deleted, 1 rejected (not registered, invalid config, registry\n"
    "unavailable), 2 usage error.\n";

std::string decide_usage(const char* verb, std::string_view status) {
    return std::string("usage: mqauth devices ") + verb +
           " --config FILE --device-sn SN (--issuer DN | --ca-sn SN)\n"
           "Records " +
           std::string(status) +
           " for the device certificate with serial --device-sn issued by --issuer (its\n"
           "issuer's name in RFC 2253 form, as `mqauth devices list` or `openssl x509 -noout\n"
           "-issuer -nameopt RFC2253` prints it), in the config FILE's "
           "device_certificates.states.\n"
           "--ca-sn instead names the device by the serial of the listed CA its chain leads to: "
           "it\n"
           "then applies to every device with that serial under that CA (one, unless intermediate\n"
           "CAs under it reuse serials). An entry naming the device the same way gets its status\n"
           "replaced, otherwise a new entry is appended. Comments and layout are kept; the\n"
           "edited config must load as the broker would load it before it replaces FILE\n"
           "(durably, with its mode and owner). A device that has not connected yet may be given\n"
           "a state too.\n"
           "Serials are hex as `openssl x509 -noout -serial` prints them (the part after\n"
           "\"serial=\"), in any case, leading zeros optional.\n"
           "The broker applies the decision on reload: kill -HUP $(pidof mosquitto) (or systemctl\n"
           "reload mosquitto); live sessions of a device made INACTIVE or REVOKED are closed "
           "then.\n"
           "Exit status: 0 recorded (or already recorded), 1 rejected (invalid config, no\n"
           "device_certificates section, a layout to edit by hand), 2 usage error.\n";
}

struct Subcommand {
    const char* name;
    std::optional<DeviceStatus> decision;  // none for list and import
};

constexpr Subcommand kSubcommands[] = {
    {"list", std::nullopt},
    {"activate", DeviceStatus::Active},
    {"deactivate", DeviceStatus::Inactive},
    {"revoke", DeviceStatus::Revoked},
    {"import", std::nullopt},
    {"delete", std::nullopt},
};

// Every subcommand parses the same options; misuse() says which each one needs.
const std::vector<std::string> kOptions = {"config", "device-sn", "issuer", "ca-sn", "from"};

bool is_import(const Subcommand& subcommand) {
    return std::string_view(subcommand.name) == "import";
}

bool is_delete(const Subcommand& subcommand) {
    return std::string_view(subcommand.name) == "delete";
}

void print_subcommand_usage(std::ostream& out, const Subcommand& subcommand) {
    if (subcommand.decision) {
        out << decide_usage(subcommand.name, registry::status_name(*subcommand.decision));
    } else if (is_delete(subcommand)) {
        out << kDeleteUsage;
    } else {
        out << (is_import(subcommand) ? kImportUsage : kListUsage);
    }
}

int usage_error(const std::string& message, const Subcommand* subcommand) {
    std::cerr << "mqauth devices: " << message << "\n";
    if (subcommand) {
        print_subcommand_usage(std::cerr, *subcommand);
    } else {
        std::cerr << kUsage;
    }
    return kExitUsage;
}

// A serial option, canonical; `error` says why not.
std::optional<std::string> serial_option(const Arguments& args, const char* name,
                                         std::string& error) {
    const auto value = args.option(name);
    if (!value) return std::nullopt;
    auto serial = certs::canonical_serial(*value);
    if (!serial) {
        error = std::string("--") + name + " \"" + *value +
                "\" is not a hex serial number (like 1A2B3C, as openssl x509 -serial prints it)";
    }
    return serial;
}

// What is missing or too much for this subcommand, or "".
std::string misuse(const devices::Options& options, const Subcommand& subcommand) {
    if (options.config.empty()) return "--config FILE is required";
    if (is_import(subcommand)) {
        if (!options.from) return "--from REGISTRY.yaml is required";
        if (options.device_sn || options.issuer || options.ca_sn) {
            return "import takes no --device-sn, --issuer or --ca-sn";
        }
        return "";
    }
    if (options.from) return "--from is for import only";
    if (is_delete(subcommand)) {
        if (!options.device_sn) return "--device-sn is required";
        if (options.ca_sn) return "delete names a device by --issuer, not --ca-sn";
        if (!options.issuer || options.issuer->empty()) return "--issuer is required";
        return "";
    }
    if (!subcommand.decision) return "";
    if (!options.device_sn) return "--device-sn is required";
    if (options.issuer && options.ca_sn) return "give --issuer or --ca-sn, not both";
    if (!options.issuer && !options.ca_sn) return "--issuer (or --ca-sn) is required";
    if (options.issuer && options.issuer->empty()) return "--issuer must not be empty";
    return "";
}

std::optional<devices::Options> read_options(const Arguments& args, const Subcommand& subcommand,
                                             std::string& error) {
    devices::Options options;
    options.config = args.option("config").value_or("");
    options.issuer = args.option("issuer");
    options.from = args.option("from");
    options.device_sn = serial_option(args, "device-sn", error);
    if (error.empty()) options.ca_sn = serial_option(args, "ca-sn", error);
    if (!error.empty()) return std::nullopt;
    if (!args.positionals.empty()) {
        error = "unexpected argument \"" + args.positionals.front() + "\"";
    } else {
        error = misuse(options, subcommand);
    }
    return error.empty() ? std::optional<devices::Options>(options) : std::nullopt;
}

const Subcommand* find_subcommand(const std::string& name) {
    for (const Subcommand& subcommand : kSubcommands) {
        if (name == subcommand.name) return &subcommand;
    }
    return nullptr;
}

}  // namespace

VerbHelp devices_help() {
    VerbHelp help{kUsage, {}};
    for (const Subcommand& subcommand : kSubcommands) {
        std::ostringstream usage;
        print_subcommand_usage(usage, subcommand);
        help.commands.push_back({subcommand.name, usage.str(), kOptions, {}, false});
    }
    return help;
}

int run_devices(int argc, char** argv, int first) {
    const std::string name = first < argc ? argv[first] : "";
    if (name == "--help" || name == "-h") {
        std::cout << kUsage;
        return kExitOk;
    }
    const Subcommand* subcommand = find_subcommand(name);
    if (!subcommand) {
        return usage_error(name.empty() ? "expected list, activate, deactivate, revoke, import or "
                                          "delete"
                                        : "unknown subcommand \"" + name + "\"",
                           nullptr);
    }
    std::string error;
    const auto args = parse_arguments(argc, argv, first + 1, kOptions, error);
    if (args && args->help) {
        print_subcommand_usage(std::cout, *subcommand);
        return kExitOk;
    }
    const auto options = args ? read_options(*args, *subcommand, error) : std::nullopt;
    if (!options) return usage_error(error, subcommand);
    if (subcommand->decision) return devices::run_decide(*options, *subcommand->decision);
    if (is_delete(*subcommand)) return devices::run_delete(*options);
    return is_import(*subcommand) ? devices::run_import(*options) : devices::run_list(*options);
}

}  // namespace mqauth::cli
