// SPDX-License-Identifier: Apache-2.0
#include "metrics_publishing.h"

#include <mosquitto_broker.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "broker_log.h"

namespace mqauth::adapter {
namespace {

constexpr std::string_view kPrefix = "mqauth_";

// $SYS/broker/mqauth/NAME[/LABEL VALUE...]: the metric's name without its mqauth_ prefix, then
// its label values in order (a value that could not be one topic level is written with '_').
std::string sys_topic(const metrics::Sample& sample) {
    std::string topic = "$SYS/broker/mqauth/";
    const std::string_view name = sample.name;
    topic += name.substr(0, kPrefix.size()) == kPrefix ? name.substr(kPrefix.size()) : name;
    for (const std::string& value : sample.label_values) {
        std::string level = value.empty() ? "_" : value;
        for (char& c : level) {
            if (c == '/' || c == '+' || c == '#' || c == '\0') c = '_';
        }
        topic += "/" + level;
    }
    return topic;
}

std::string payload(double value) {
    char text[32];
    if (std::floor(value) == value && std::fabs(value) < 1e15) {
        std::snprintf(text, sizeof text, "%.0f", value);
    } else {
        std::snprintf(text, sizeof text, "%.9g", value);
    }
    return text;
}

void publish_sys_topics(const metrics::Registry& registry) {
    registry.visit([](const metrics::Sample& sample) {
        const std::string topic = sys_topic(sample);
        const std::string text = payload(sample.value);
        // Retained, as Mosquitto's own $SYS topics are: a new subscriber sees them at once.
        mosquitto_broker_publish_copy(nullptr, topic.c_str(), static_cast<int>(text.size()),
                                      text.data(), 0, true, nullptr);
    });
}

}  // namespace

MetricsPublishing::MetricsPublishing(const engine::Engine& engine)
    : engine_(engine), endpoint_(engine.metric_registry()) {}

void MetricsPublishing::apply(const std::optional<metrics::MetricsSettings>& settings) {
    if (!settings) {
        if (endpoint_.listening()) log_line(LogLevel::Info, "metrics endpoint stopped");
        endpoint_.stop();
        settings_.reset();
        return;
    }
    const bool moved = !settings_ || !settings_->same_listener(*settings) || !endpoint_.listening();
    if (moved) {
        if (const std::string error = endpoint_.listen(*settings); !error.empty()) {
            log_line(LogLevel::Error, "metrics endpoint: " + error);
        } else {
            log_line(LogLevel::Info, "metrics at http://" + settings->host + ":" +
                                         std::to_string(settings->port) + "/metrics");
        }
    }
    if (!settings_ || settings_->sys_interval != settings->sys_interval) next_sys_ = {};
    settings_ = settings;
}

std::optional<MetricsPublishing::Clock::duration> MetricsPublishing::publish_when_due(
    Clock::time_point now) {
    if (!settings_ || settings_->sys_interval.count() == 0) return std::nullopt;
    if (now >= next_sys_) {
        publish_sys_topics(engine_.metric_registry());
        next_sys_ = now + settings_->sys_interval;
    }
    return next_sys_ - now;
}

}  // namespace mqauth::adapter
