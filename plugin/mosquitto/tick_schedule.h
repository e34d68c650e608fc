#pragma once
// Asking Mosquitto 2.1 for the next TICK. Its TICK event carries `next_s` and `next_ms`, zeroed
// before each callback; a plugin that sets them is called again that soon (plugin_tick.c), and
// the broker's loop sleeps no longer than that (loop__update_next_event). 2.0.11's struct, which
// mqauth is built against, names the same field `next_ns` and ignores it: it ticks at least
// every 100 ms by itself.
#include <mosquitto_broker.h>

#include <chrono>

namespace mqauth::adapter {

// How soon mqauth wants to look again at work a worker thread is finishing (a reload, an
// authorizer call): short enough that the wait adds little to a CONNECT, long enough that an
// idle wait costs the broker nothing measurable.
inline constexpr std::chrono::milliseconds kWorkerPollInterval{10};

// Keeps the earliest of the requests made during one TICK.
inline void ask_for_tick_within(mosquitto_evt_tick& event, std::chrono::milliseconds delay) {
    long& next_ms = event.next_ns;  // 2.1's next_ms, see above
    const bool asked = event.next_s != 0 || next_ms != 0;
    if (asked && event.next_s == 0 && next_ms <= delay.count()) return;
    event.next_s = 0;
    next_ms = static_cast<long>(delay.count());
}

}  // namespace mqauth::adapter
