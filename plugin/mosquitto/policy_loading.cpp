#include "policy_loading.h"

#include "broker_log.h"
#include "config/loader.h"

namespace mqauth::adapter {

std::shared_ptr<const Policy> load_policy_logging_errors(const std::string& path,
                                                         LoadMoment moment) {
    config::LoadResult result = config::load_file(path);
    if (result.ok()) {
        for (const std::string& line : result.formatted_warnings()) {
            log_line(LogLevel::Warning, line);
        }
        return result.policy;
    }

    const bool at_start = moment == LoadMoment::StartUp;
    const LogLevel level = at_start ? LogLevel::Error : LogLevel::Warning;
    for (const std::string& line : result.formatted_errors()) log_line(level, line);
    log_line(level, at_start
                        ? "configuration " + path + " is invalid; the broker will not start"
                        : "reload of " + path + " rejected; the running policy stays in force");
    return nullptr;
}

std::string describe(const Policy& policy) {
    std::string text = std::to_string(policy.identities.size()) + " identities, " +
                       std::to_string(policy.permissions.rule_count()) + " rules, " +
                       std::to_string(policy.sasl_users.size()) + " SASL users";
    if (policy.sni) {
        text += ", " + std::to_string(policy.sni->certificate_count()) + " SNI certificates for " +
                std::to_string(policy.sni->domain_count()) + " domains";
    }
    return text;
}

}  // namespace mqauth::adapter
