// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "metrics/registry.h"

using namespace mqauth::metrics;
using namespace std::chrono_literals;

TEST(MetricsRegistry, WritesCountersAndGaugesInTheTextFormat) {
    Registry registry;
    auto& logins = registry.counter("demo_logins_total", "Logins, by result", {"result"});
    registry.with(logins, {"allow"}).add(3);
    registry.with(logins, {"deny"}, Shown::WhenNonZero);
    registry.with(registry.gauge("demo_clients", "Clients now")).set(-2);
    EXPECT_EQ(registry.text(),
              "# HELP demo_logins_total Logins, by result\n"
              "# TYPE demo_logins_total counter\n"
              "demo_logins_total{result=\"allow\"} 3\n"
              "# HELP demo_clients Clients now\n"
              "# TYPE demo_clients gauge\n"
              "demo_clients -2\n");
    registry.with(logins, {"deny"}).add();  // the same series: now shown
    EXPECT_NE(registry.text().find("demo_logins_total{result=\"deny\"} 1\n"), std::string::npos);
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
    Registry registry;
    auto& family = registry.counter("demo_total", "a \\ and\na line", {"name"});
    registry.with(family, {"q\"b\\n\nl"}).add();
    EXPECT_EQ(registry.text(),
              "# HELP demo_total a \\\\ and\\na line\n# TYPE demo_total counter\n"
              "demo_total{name=\"q\\\"b\\\\n\\nl\"} 1\n");
}

TEST(MetricsRegistry, AHistogramHasCumulativeBucketsASumAndACount) {
    Registry registry;
    Histogram& took =
        registry.with(registry.histogram("demo_seconds", "Durations", {"kind"}), {"x"});
    took.observe(30us);
    took.observe(2ms);
    took.observe(20s);  // past the last bound: only in +Inf
    const std::string text = registry.text();
    EXPECT_NE(text.find("demo_seconds_bucket{kind=\"x\",le=\"5e-05\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("demo_seconds_bucket{kind=\"x\",le=\"0.001\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("demo_seconds_bucket{kind=\"x\",le=\"0.0025\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("demo_seconds_bucket{kind=\"x\",le=\"10\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("demo_seconds_bucket{kind=\"x\",le=\"+Inf\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("demo_seconds_sum{kind=\"x\"} 20.00203"), std::string::npos);
    EXPECT_NE(text.find("demo_seconds_count{kind=\"x\"} 3\n"), std::string::npos);
}

TEST(MetricsRegistry, AskingForASeriesAgainGivesTheSameOne) {
    Registry registry;
    auto& family = registry.counter("demo_total", "d", {"a"});
    Counter& first = registry.with(family, {"1"});
    registry.with(family, {"2"});
    EXPECT_EQ(&registry.with(family, {"1"}), &first);
}

TEST(MetricsRegistry, VisitsEverySampleWithItsLabels) {
    Registry registry;
    registry.with(registry.counter("demo_total", "d", {"a"}), {"1"}).add(5);
    registry.with(registry.histogram("demo_seconds", "d")).observe(1s);
    std::map<std::string, double> seen;
    registry.visit([&](const Sample& sample) {
        std::string key = sample.name;
        for (const std::string& value : sample.label_values) key += "/" + value;
        seen[key] = sample.value;
    });
    EXPECT_EQ(seen, (std::map<std::string, double>{
                        {"demo_total/1", 5}, {"demo_seconds_count", 1}, {"demo_seconds_sum", 1}}));
}
