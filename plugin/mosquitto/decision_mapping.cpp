#include "decision_mapping.h"

#include <mosquitto.h>

namespace mqauth::adapter {

int to_connect_result(const engine::Decision& decision) {
    switch (decision.verdict) {
        case engine::Verdict::Allow: return MOSQ_ERR_SUCCESS;
        case engine::Verdict::Deny: return MOSQ_ERR_AUTH;
        case engine::Verdict::Continue: return MOSQ_ERR_AUTH;  // no such step for a password
        case engine::Verdict::Error: return MOSQ_ERR_AUTH;
    }
    return MOSQ_ERR_AUTH;
}

int to_auth_step_result(const engine::Decision& decision) {
    if (decision.verdict == engine::Verdict::Continue) return MOSQ_ERR_AUTH_CONTINUE;
    if (decision.verdict == engine::Verdict::Deny &&
        decision.reason == engine::Reason::UnsupportedAuthMethod) {
        return MOSQ_ERR_NOT_SUPPORTED;
    }
    return to_connect_result(decision);
}
int to_acl_result(const engine::Decision& decision) {
    return decision.verdict == engine::Verdict::Allow ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

}  // namespace mqauth::adapter
