#include "policy_loading.h"

#include "broker_log.h"
#include "config/loader.h"

#include <vector>

namespace mqauth::adapter {

namespace {

std::optional<LoadedPolicy> refuse(const std::string& path, LoadMoment moment,
                                   const std::vector<std::string>& errors) {
    const bool at_start = moment == LoadMoment::StartUp;
    const LogLevel level = at_start ? LogLevel::Error : LogLevel::Warning;
    for (const std::string& line : errors) log_line(level, line);
    log_line(level, at_start
                        ? "configuration " + path + " is invalid; the broker will not start"
                        : "reload of " + path + " rejected; the running policy stays in force");
    return std::nullopt;
}

}  // namespace

std::optional<LoadedPolicy> load_policy_logging_errors(const std::string& path, LoadMoment moment) {
    config::LoadResult result = config::load_file(path);
    if (!result.ok()) return refuse(path, moment, result.formatted_errors());
    LoadedPolicy loaded{result.policy, nullptr};
    if (loaded.policy->certificates.configured()) {
        certs::RegistryOpening opening =
            certs::DeviceRegistry::open(loaded.policy->certificates.registry_file);
        if (!opening.registry) return refuse(path, moment, opening.errors);
        loaded.registry = std::move(opening.registry);
    }
    for (const std::string& line : result.formatted_warnings()) log_line(LogLevel::Warning, line);
    return loaded;
}

std::string describe(const Policy& policy) {
    return std::to_string(policy.identities.size()) + " identities, " +
           std::to_string(policy.permissions.rule_count()) + " rules, " +
           std::to_string(policy.sasl_users.size()) + " SASL users, " +
           std::to_string(policy.certificates.authorities.size()) + " CAs, " +
           std::to_string(policy.authorizers.size()) + " authorizers";
}

}  // namespace mqauth::adapter
