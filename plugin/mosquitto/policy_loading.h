#pragma once
#include <memory>
#include <string>

#include "policy.h"

namespace mqauth::adapter {

// Loads the YAML file; on failure logs every error as FILE:LINE:COL (at `level`) and returns null.
enum class LoadMoment { StartUp, Reload };
std::shared_ptr<const Policy> load_policy_logging_errors(const std::string& path,
                                                         LoadMoment moment);

}  // namespace mqauth::adapter
