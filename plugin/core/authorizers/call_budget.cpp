// SPDX-License-Identifier: Apache-2.0
#include "authorizers/call_budget.h"

#include <algorithm>

namespace mqauth::authorizers {

void CallBudget::refill(Clock::time_point now) {
    if (last_refill_ == Clock::time_point{}) last_refill_ = now;
    const auto elapsed = std::max(now - last_refill_, Clock::duration::zero());
    last_refill_ = now;
    const auto earned = std::chrono::duration_cast<Clock::duration>(elapsed * kShare);
    balance_ = std::min<Clock::duration>(balance_ + earned, kBurst);
}

bool CallBudget::allows_call(Clock::time_point now) {
    refill(now);
    const bool allowed = balance_ > Clock::duration::zero();
    if (!allowed && !refusing_) episode_to_report_ = true;
    refusing_ = !allowed;
    return allowed;
}

void CallBudget::spend(Clock::duration call, Clock::time_point now) {
    refill(now);
    balance_ -= call;
}

bool CallBudget::take_new_episode() {
    const bool report = episode_to_report_;
    episode_to_report_ = false;
    return report;
}

}  // namespace mqauth::authorizers
