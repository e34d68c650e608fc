#include "decision_mapping.h"

#include <mosquitto.h>

namespace mqauth::adapter {

int to_broker_result(const engine::Decision& decision) {
    switch (decision.verdict) {
        case engine::Verdict::Allow: return MOSQ_ERR_SUCCESS;
        case engine::Verdict::Deny: return MOSQ_ERR_AUTH;
        case engine::Verdict::Error: return MOSQ_ERR_AUTH;
    }
    return MOSQ_ERR_AUTH;
}

}  // namespace mqauth::adapter
