// SPDX-License-Identifier: Apache-2.0
#include "authorizers/circuit_breaker.h"

namespace mqauth::authorizers {

bool CircuitBreaker::allows_call(Clock::time_point now) {
    switch (state_) {
        case State::Closed: return true;
        case State::Probing: return false;  // one probe at a time
        case State::Open: break;
    }
    if (now < open_until_) return false;
    state_ = State::Probing;
    return true;
}

bool CircuitBreaker::record_failure(Clock::time_point now) {
    const bool was_closed = state_ == State::Closed;
    if (was_closed && ++consecutive_failures_ < kFailuresToOpen) return false;
    state_ = State::Open;
    open_until_ = now + kCoolDown;
    consecutive_failures_ = 0;
    return was_closed;  // a failed probe continues the episode
}

void CircuitBreaker::record_success() {
    state_ = State::Closed;
    consecutive_failures_ = 0;
}

}  // namespace mqauth::authorizers
