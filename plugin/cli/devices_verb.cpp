// mqauth devices list|activate|deactivate|revoke: the device registry, and the operator's
// decisions in device_certificates.states (ApsaraMQ for MQTT's ActiveDeviceCertificate and its
// siblings).
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "arguments.h"
#include "certs/serial_number.h"
#include "devices.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

using certs::DeviceStatus;

constexpr const char* kUsage =
    "usage: mqauth devices list --config FILE [--device-sn SN] [--ca-sn SN]\n"
    "       mqauth devices activate|deactivate|revoke --config FILE --device-sn SN --ca-sn SN\n"
    "Device certificates (ApsaraMQ's ActiveDeviceCertificate and its siblings):\n"
    "  list        the device registry with every device's effective state\n"
    "  activate    record ACTIVE for a device in the config's device_certificates.states\n"
    "  deactivate  record INACTIVE: the device is refused until it is activated again\n"
    "  revoke      record REVOKED: the device is refused\n"
    "mqauth devices SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input, 2 usage error.\n";

constexpr const char* kListUsage =
    "usage: mqauth devices list --config FILE [--device-sn SN] [--ca-sn SN]\n"
    "Shows the device registry of the config FILE (device_certificates.registry_file, where the\n"
    "broker registers each certificate on its first valid connect), then the states recorded in\n"
    "device_certificates.states for devices not registered yet. One line per device under a\n"
    "header line; empty fields print as \"-\", and spaces or control characters inside a field\n"
    "as \\xNN. The columns:\n"
    "  device_sn, ca_sn  the certificate's serial and its CA's, canonical hex\n"
    "  ca_name           the CA it verified against when registered\n"
    "  common_name       its subject CN\n"
    "  not_after         the end of its validity (UTC)\n"
    "  first_seen        when it was registered (UTC)\n"
    "  registry          the state the broker registered, or \"unregistered\"\n"
    "  operator          the state recorded in the config, or \"-\"\n"
    "  effective         the operator's state over the registry's: the one the broker applies\n"
    "  ca_status         its CA now: ACTIVE, INACTIVE, or UNLISTED (not in ca_certificates)\n"
    "A device is admitted only when effective and ca_status are both ACTIVE.\n"
    "--device-sn and --ca-sn show only the devices with those serials.\n"
    "Exit status: 0 ok, 1 invalid config or corrupt registry, 2 usage error.\n";

std::string decide_usage(const char* verb, std::string_view status) {
    return std::string("usage: mqauth devices ") + verb +
           " --config FILE --device-sn SN --ca-sn SN\n"
           "Records " +
           std::string(status) +
           " for the device certificate with serial --device-sn issued by the CA\n"
           "with serial --ca-sn, in the config FILE's device_certificates.states: an entry for\n"
           "that device gets its status replaced, otherwise a new entry is appended. Comments and\n"
           "layout are kept; the edited config must load as the broker would load it before it\n"
           "replaces FILE (durably, with its mode and owner). A device that has not connected yet\n"
           "may be given a state too.\n"
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
    std::optional<DeviceStatus> decision;  // none for list
};

constexpr Subcommand kSubcommands[] = {
    {"list", std::nullopt},
    {"activate", DeviceStatus::Active},
    {"deactivate", DeviceStatus::Inactive},
    {"revoke", DeviceStatus::Revoked},
};

void print_subcommand_usage(std::ostream& out, const Subcommand& subcommand) {
    if (!subcommand.decision) {
        out << kListUsage;
        return;
    }
    out << decide_usage(subcommand.name, certs::status_name(*subcommand.decision));
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

std::optional<devices::Options> read_options(const Arguments& args, const Subcommand& subcommand,
                                             std::string& error) {
    devices::Options options;
    options.config = args.option("config").value_or("");
    options.device_sn = serial_option(args, "device-sn", error);
    if (error.empty()) options.ca_sn = serial_option(args, "ca-sn", error);
    if (!error.empty()) return std::nullopt;
    if (!args.positionals.empty()) {
        error = "unexpected argument \"" + args.positionals.front() + "\"";
    } else if (options.config.empty()) {
        error = "--config FILE is required";
    } else if (subcommand.decision && (!options.device_sn || !options.ca_sn)) {
        error = "--device-sn and --ca-sn are required";
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

int run_devices(int argc, char** argv, int first) {
    const std::string name = first < argc ? argv[first] : "";
    if (name == "--help" || name == "-h") {
        std::cout << kUsage;
        return kExitOk;
    }
    const Subcommand* subcommand = find_subcommand(name);
    if (!subcommand) {
        return usage_error(name.empty() ? "expected list, activate, deactivate or revoke"
                                        : "unknown subcommand \"" + name + "\"",
                           nullptr);
    }
    std::string error;
    const auto args =
        parse_arguments(argc, argv, first + 1, {"config", "device-sn", "ca-sn"}, error);
    if (args && args->help) {
        print_subcommand_usage(std::cout, *subcommand);
        return kExitOk;
    }
    const auto options = args ? read_options(*args, *subcommand, error) : std::nullopt;
    if (!options) return usage_error(error, subcommand);
    if (!subcommand->decision) return devices::run_list(*options);
    return devices::run_decide(*options, *subcommand->decision);
}

}  // namespace mqauth::cli
