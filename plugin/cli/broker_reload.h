// SPDX-License-Identifier: Apache-2.0
#pragma once
// `--reload` for the verbs that edit the config: signal the running broker (SIGHUP, as
// `systemctl reload mosquitto` does) and tell the operator whether it applied the new file,
// from the plugin's own lines in the broker's log.
#include <string>

#include "arguments.h"

namespace mqauth::cli {

// The options it reads: --pid PID (else the pid_file of --mosquitto-conf, by default Debian's
// /etc/mosquitto/mosquitto.conf and the files its include_dir names) and --broker-log FILE
// (else that file's `log_dest file`).
inline constexpr const char* kPidOption = "pid";
inline constexpr const char* kMosquittoConfOption = "mosquitto-conf";
inline constexpr const char* kBrokerLogOption = "broker-log";
inline constexpr const char* kReloadFlag = "reload";

// The --help lines for these options.
extern const char* const kReloadUsage;

// Sends SIGHUP and waits (up to 30 s) for the plugin to log the outcome of reloading `config`.
// Prints it; kExitOk when the broker applied the file (or when it logs to no file, which it
// says), kExitRejected when the broker rejected it, cannot be signalled or did not say.
int reload_broker(const Arguments& args, const std::string& config);

}  // namespace mqauth::cli
