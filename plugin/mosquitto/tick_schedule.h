// SPDX-License-Identifier: Apache-2.0
#pragma once
// Asking Mosquitto 2.1 for the next TICK, while a worker thread finishes something the broker's
// thread must pick up (a reload, authorizer calls). 2.0.11's TICK struct, which mqauth is built
// against, names 2.1's `next_ms` field `next_ns`; 2.0 ignores both fields and ticks at least
// every 100 ms by itself.
#include <mosquitto_broker.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace mqauth::adapter {

// How soon mqauth wants to look again: short enough that the wait adds little to a CONNECT, long
// enough that an idle wait costs the broker nothing measurable.
inline constexpr std::chrono::milliseconds kWorkerPollInterval{10};

// Mosquitto 2.1 (plugin_tick.c) calls a plugin's TICK only once the time the plugin asked for
// is due, and a pass of its loop that skips the plugin does not count that wish toward how long
// the loop then sleeps (loop__update_next_event). A pass woken early by a packet would then sleep
// as long as the other timers say (keepalive.c looks 5 s ahead while any client is connected),
// with the worker's results waiting for the next packet or timer. (Not seen in practice: a 1 s
// call with unrelated traffic in between finished in 1.02-1.12 s with or without what follows.) So
// the time asked for is "two seconds ago, plus two seconds and `delay`": the loop sleeps at most
// `delay` (it adds next_s * 1000 + next_ms), while the due time the broker keeps (now + next_s,
// with now_ns + next_ms * 1e6 carried into seconds once) lies a second in the past, so every pass
// calls the plugin until it stops asking. A broker that carried the nanoseconds fully would keep
// "now + delay": the plain wish, never worse.
inline void ask_for_tick_within(mosquitto_evt_tick& event, std::chrono::milliseconds delay) {
    constexpr long kBehind = 2;  // seconds
    event.next_s = -kBehind;
    long& next_ms = event.next_ns;  // 2.1's next_ms, see above
    next_ms = kBehind * 1000 + static_cast<long>(delay.count());
}

// A TICK by the earlier of `lapse` (a previous secret's _until, when its sessions are withdrawn)
// and `sys_due` (the next $SYS publication), if either: 2.1 would otherwise sleep for as long as
// its own timers allow. Asked again at every TICK, in steps of at most a minute (the lapse is a
// wall-clock time, which may jump).
inline void ask_for_tick_by(mosquitto_evt_tick& event,
                            std::optional<std::chrono::system_clock::time_point> lapse,
                            std::optional<std::chrono::steady_clock::duration> sys_due) {
    using std::chrono::milliseconds;
    std::optional<milliseconds> wait;
    if (lapse) {
        wait = std::chrono::duration_cast<milliseconds>(*lapse - std::chrono::system_clock::now());
    }
    if (sys_due) {
        const auto due = std::chrono::duration_cast<milliseconds>(*sys_due);
        wait = wait ? std::min(*wait, due) : due;
    }
    if (wait) ask_for_tick_within(event, std::clamp(*wait, milliseconds{0}, milliseconds{60000}));
}

}  // namespace mqauth::adapter
