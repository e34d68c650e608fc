// SPDX-License-Identifier: Apache-2.0
#pragma once
// The three Prometheus instruments, lock-free: the broker's thread (and the authorizer worker
// on Mosquitto 2.1) update them with relaxed atomics, the metrics endpoint's thread reads them.
// A reading may be a moment stale; it is never torn.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace mqauth::metrics {

class Counter {
   public:
    void add(std::uint64_t count = 1) noexcept {
        value_.fetch_add(count, std::memory_order_relaxed);
    }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
   public:
    void set(std::int64_t value) noexcept { value_.store(value, std::memory_order_relaxed); }
    void add(std::int64_t delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<std::int64_t> value_{0};
};

// Durations in seconds, in fixed buckets from 50 µs to 10 s: a CONNECT decided from memory
// lands in the first ones, a PBKDF2 around a millisecond, a function call in the last ones.
class Histogram {
   public:
    static constexpr std::array<double, 16> kBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                    0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                    0.5,     1,      2.5,     10};

    void observe(std::chrono::nanoseconds duration) noexcept;

    // Observations at most kBounds[i] seconds (cumulative, as Prometheus wants them).
    std::uint64_t cumulative_count(std::size_t bucket) const noexcept;
    std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
    double sum_seconds() const noexcept;

   private:
    std::array<std::atomic<std::uint64_t>, kBounds.size()> buckets_{};  // not cumulative
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_nanoseconds_{0};
};

// The time since its construction.
class Stopwatch {
   public:
    Stopwatch() : started_(std::chrono::steady_clock::now()) {}
    std::chrono::nanoseconds elapsed() const noexcept {
        return std::chrono::steady_clock::now() - started_;
    }

   private:
    std::chrono::steady_clock::time_point started_;
};

}  // namespace mqauth::metrics
