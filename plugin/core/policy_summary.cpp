// SPDX-License-Identifier: Apache-2.0
#include "policy_summary.h"

namespace mqauth {

std::string summarize(const Policy& policy) {
    std::string text = std::to_string(policy.identities.size()) + " identities, " +
                       std::to_string(policy.permissions.rule_count()) + " rules, " +
                       std::to_string(policy.sasl_users.size()) + " SASL users, " +
                       std::to_string(policy.certificates.authorities.size()) + " CAs, " +
                       std::to_string(policy.authorizers.size()) + " authorizers";
    if (policy.sni) {
        text += ", " + std::to_string(policy.sni->certificate_count()) + " SNI certificates for " +
                std::to_string(policy.sni->domain_count()) + " domains";
    }
    return text;
}

}  // namespace mqauth
