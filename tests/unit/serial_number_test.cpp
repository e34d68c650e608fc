// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "certs/serial_number.h"
#include "test_pki.h"

using mqauth::certs::canonical_serial;
using mqauth::certs::serial_of;

TEST(SerialNumber, CaseAndLeadingZerosDoNotMatter) {
    EXPECT_EQ(canonical_serial("0a1b"), "A1B");
    EXPECT_EQ(canonical_serial("0A1B"), "A1B");
    EXPECT_EQ(canonical_serial("a1b"), "A1B");
    EXPECT_EQ(canonical_serial("00"), "0");
}

TEST(SerialNumber, RejectsEmptyNonHexAndOversizedSerials) {
    EXPECT_FALSE(canonical_serial(""));
    EXPECT_FALSE(canonical_serial("12G4"));
    EXPECT_FALSE(canonical_serial("serial=1A"));
    EXPECT_FALSE(canonical_serial("1A:2B"));
    EXPECT_TRUE(canonical_serial(std::string(256, 'F')));
    EXPECT_FALSE(canonical_serial(std::string(257, 'F')));
}

TEST(SerialNumber, ReadsACertificateSerialAsOpensslPrintsIt) {
    const auto ca = mqauth::test_pki::make_ca("ca", 0x0A1B2C);
    EXPECT_EQ(serial_of(ca.certificate.get()), "A1B2C");
}
