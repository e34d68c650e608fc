// SPDX-License-Identifier: Apache-2.0
#pragma once
// Certificates made in-process for unit tests: a CA, intermediates and leaves with chosen serials
// and validity, signed with EC P-256 keys (quick to make), and the files they are written to.
// (The integration tests use the openssl CLI instead.)
#include <string>

#include "crypto/openssl_handles.h"

namespace mqauth::test_pki {

struct TestCertificate {
    crypto::X509Ptr certificate;
    crypto::EvpPkeyPtr key;
};

constexpr long kDay = 24 * 60 * 60;  // seconds, for Validity offsets

struct Validity {
    long not_before_offset = -3600;  // seconds from now
    long not_after_offset = kDay;
};

// A CA certificate (CA:TRUE); self-signed when `issuer` is null.
TestCertificate make_ca(const std::string& common_name, long serial,
                        const TestCertificate* issuer = nullptr);

TestCertificate make_leaf(const std::string& common_name, long serial,
                          const TestCertificate& issuer, Validity validity = {});

std::string common_name(const X509* certificate);

std::string to_pem(const X509* certificate);

// PKCS#8, encrypted with AES-256 under `password` unless it is empty.
std::string private_key_pem(const EVP_PKEY* key, const std::string& password = "");

void write_text_file(const std::string& path, const std::string& text);
std::string read_text_file(const std::string& path);

// A fresh directory for one test, removed with its contents when the test program exits.
std::string make_temp_dir();

}  // namespace mqauth::test_pki
