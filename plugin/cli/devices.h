// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `mqauth devices` sub-verbs. devices_verb.cpp parses and checks the command line; these run
// with options already valid.
#include <optional>
#include <string>

#include "certs/device_states.h"

namespace mqauth::cli::devices {

struct Options {
    std::string config;                    // --config FILE
    std::optional<std::string> device_sn;  // canonical (certs::canonical_serial)
    std::optional<std::string> issuer;     // RFC 2253, as the registry writes it
    std::optional<std::string> ca_sn;      // canonical
    std::optional<std::string> from;       // import: the YAML registry file
};

// Each returns an exit code from arguments.h.
int run_list(const Options& options);
// Requires device_sn and exactly one of issuer and ca_sn.
int run_decide(const Options& options, certs::DeviceStatus status);
// Requires from.
int run_import(const Options& options);
// Requires device_sn and issuer.
int run_delete(const Options& options);

// Where the operator is told how to apply a recorded decision.
inline constexpr const char* kReloadHint =
    "reload the broker to apply: kill -HUP $(pidof mosquitto)   (or: systemctl reload mosquitto)";

}  // namespace mqauth::cli::devices
