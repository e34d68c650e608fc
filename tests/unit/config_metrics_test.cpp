// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"

using namespace mqauth;

namespace {

config::LoadResult load(const std::string& metrics) {
    return config::load_text("version: 1\npermissions: {}\nmetrics:\n" + metrics, "auth.yaml", ".");
}

std::string first_error(const config::LoadResult& result) {
    return result.ok() ? "" : result.formatted_errors().front();
}

}  // namespace

TEST(ConfigMetrics, ListenTakesAnAddressAndAPortAndSysIntervalDefaultsToTenSeconds) {
    const auto result = load("  listen: 127.0.0.1:9234\n");
    ASSERT_TRUE(result.ok()) << first_error(result);
    ASSERT_TRUE(result.policy->metrics);
    EXPECT_EQ(result.policy->metrics->host, "127.0.0.1");
    EXPECT_EQ(result.policy->metrics->port, 9234);
    EXPECT_EQ(result.policy->metrics->sys_interval.count(), 10);
    const auto every_address = load("  listen: 0.0.0.0:9300\n  sys_interval: 0\n");
    ASSERT_TRUE(every_address.ok()) << first_error(every_address);
    EXPECT_EQ(every_address.policy->metrics->host, "0.0.0.0");
    EXPECT_EQ(every_address.policy->metrics->sys_interval.count(), 0);
    const auto port_only = load("  listen: 9400\n");
    ASSERT_TRUE(port_only.ok()) << first_error(port_only);
    EXPECT_EQ(port_only.policy->metrics->host, "127.0.0.1");
}

TEST(ConfigMetrics, WithoutTheSectionThereAreNoMetrics) {
    const auto result = config::load_text("version: 1\npermissions: {}\n", "auth.yaml", ".");
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result.policy->metrics);
}

TEST(ConfigMetrics, ABadListenOrIntervalNamesItsLineAndColumn) {
    EXPECT_EQ(first_error(load("  listen: localhost:9234\n")),
              "auth.yaml:4:11: metrics.listen: InvalidParameter: \"localhost:9234\" is not "
              "ADDRESS:PORT (an IPv4 address and a port 1..65535), like 127.0.0.1:9234");
    EXPECT_NE(first_error(load("  listen: 127.0.0.1:70000\n")).find("auth.yaml:4:11:"),
              std::string::npos);
    EXPECT_NE(first_error(load("  listen: 127.0.0.1:9234\n  sys_interval: -1\n"))
                  .find("metrics.sys_interval: InvalidParameter"),
              std::string::npos);
    EXPECT_NE(first_error(load("  sys_interval: 5\n")).find("metrics.listen"), std::string::npos);
    EXPECT_NE(first_error(load("  listen: 127.0.0.1:9234\n  colour: red\n")).find("colour"),
              std::string::npos);
}

TEST(ConfigMetrics, AnIpv6AddressIsRefusedSayingTheEndpointListensOnIpv4Only) {
    for (const char* listen : {"\"[::1]:9300\"", "\"::1\"", "\"[::]:9300\""}) {
        EXPECT_NE(first_error(load(std::string("  listen: ") + listen + "\n"))
                      .find("is an IPv6 address: the metrics endpoint listens on IPv4 only"),
                  std::string::npos)
            << listen;
    }
}
