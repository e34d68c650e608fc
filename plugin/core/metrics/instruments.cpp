// SPDX-License-Identifier: Apache-2.0
#include "metrics/instruments.h"

namespace mqauth::metrics {

void Histogram::observe(std::chrono::nanoseconds duration) noexcept {
    const double seconds = std::chrono::duration<double>(duration).count();
    for (std::size_t i = 0; i < kBounds.size(); ++i) {
        if (seconds <= kBounds[i]) {
            buckets_[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    const auto nanoseconds =
        duration.count() < 0 ? 0 : static_cast<std::uint64_t>(duration.count());
    sum_nanoseconds_.fetch_add(nanoseconds, std::memory_order_relaxed);
}

std::uint64_t Histogram::cumulative_count(std::size_t bucket) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bucket && i < kBounds.size(); ++i) {
        total += buckets_[i].load(std::memory_order_relaxed);
    }
    return total;
}

double Histogram::sum_seconds() const noexcept {
    return static_cast<double>(sum_nanoseconds_.load(std::memory_order_relaxed)) / 1e9;
}

}  // namespace mqauth::metrics
