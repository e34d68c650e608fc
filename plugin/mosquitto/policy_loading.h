#pragma once
#include <memory>
#include <string>

#include "policy.h"

namespace mqauth::adapter {

// Loads the YAML file; on failure logs every error as FILE:LINE:COL (at `level`) and returns null.
enum class LoadMoment { StartUp, Reload };
std::shared_ptr<const Policy> load_policy_logging_errors(const std::string& path,
                                                         LoadMoment moment);

// "3 identities, 12 rules, 2 SASL users[, 2 SNI certificates for 5 domains]" for the loaded /
// reloaded log lines.
std::string describe(const Policy& policy);

}  // namespace mqauth::adapter
