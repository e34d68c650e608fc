// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "certs/legacy_registry_file.h"

using namespace mqauth::certs;

namespace {

const char* const kTwoDevices =
    "# mqauth device registry\n"
    "version: 1\n"
    "devices:\n"
    "  - device_sn: \"01a2b\"\n"
    "    ca_sn: \"7f00\"\n"
    "    ca_name: \"fleet-ca\"\n"
    "    common_name: \"dev \\\"one\\\"\"\n"
    "    not_before: \"2026-01-01T00:00:00Z\"\n"
    "    not_after: \"2027-01-01T00:00:00Z\"\n"
    "    first_seen: \"2026-11-23T10:00:00Z\"\n"
    "    status: ACTIVE\n"
    "  - device_sn: \"3C4D\"\n"
    "    ca_sn: \"7F00\"\n"
    "    ca_name: \"fleet-ca\"\n"
    "    common_name: \"dev2\"\n"
    "    not_before: \"2026-01-01T00:00:00Z\"\n"
    "    not_after: \"2027-01-01T00:00:00Z\"\n"
    "    first_seen: \"2026-11-24T10:00:00Z\"\n"
    "    status: INACTIVE\n";

}  // namespace

TEST(LegacyRegistryFile, ReadsEveryDeviceInFileOrderWithCanonicalSerials) {
    const LegacyRegistry parsed = parse_legacy_registry(kTwoDevices);
    ASSERT_TRUE(parsed.errors.empty());
    ASSERT_EQ(parsed.records.size(), 2u);
    EXPECT_EQ(parsed.records[0].device_sn, "1A2B");
    EXPECT_EQ(parsed.records[0].ca_sn, "7F00");
    EXPECT_EQ(parsed.records[0].common_name, "dev \"one\"");
    EXPECT_EQ(parsed.records[1].status, DeviceStatus::Inactive);
}

TEST(LegacyRegistryFile, ACorruptFileIsRefusedWholeWithItsLine) {
    const LegacyRegistry parsed = parse_legacy_registry(
        "version: 1\ndevices:\n  - device_sn: \"1A\"\n    ca_sn: \"7F\"\n    status: ACTIVE\n");
    EXPECT_TRUE(parsed.records.empty());
    ASSERT_FALSE(parsed.errors.empty());
    EXPECT_EQ(parsed.errors.front().position.line, 3);
    EXPECT_EQ(parsed.errors.front().path, "devices[0].ca_name");
}

TEST(LegacyRegistryFile, AnEmptyFileAndADuplicateEntryAreCorrupt) {
    EXPECT_FALSE(parse_legacy_registry("").errors.empty());
    std::string twice = kTwoDevices;
    twice += twice.substr(twice.find("  - device_sn: \"3C4D\""));
    const LegacyRegistry parsed = parse_legacy_registry(twice);
    ASSERT_FALSE(parsed.errors.empty());
    EXPECT_NE(parsed.errors.front().message.find("registered twice"), std::string::npos);
}
