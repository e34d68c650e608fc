// SPDX-License-Identifier: Apache-2.0
#include "test_pki.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace mqauth::test_pki {
namespace {

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

crypto::EvpPkeyPtr new_key() {
    crypto::EvpPkeyPtr key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EC key generation");
    return key;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check(extension != nullptr, "extension");
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
}

TestCertificate make_certificate(const std::string& common_name, long serial, bool is_ca,
                                 const TestCertificate* issuer, Validity validity) {
    TestCertificate made{crypto::X509Ptr(X509_new()), new_key()};
    X509* certificate = made.certificate.get();
    check(X509_set_version(certificate, 2) == 1, "version");
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial);
    X509_gmtime_adj(X509_getm_notBefore(certificate), validity.not_before_offset);
    X509_gmtime_adj(X509_getm_notAfter(certificate), validity.not_after_offset);
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509* signer = issuer ? issuer->certificate.get() : certificate;
    check(X509_set_issuer_name(certificate, X509_get_subject_name(signer)) == 1, "issuer");
    check(X509_set_pubkey(certificate, made.key.get()) == 1, "public key");
    add_extension(certificate, signer, NID_basic_constraints,
                  is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    if (is_ca) add_extension(certificate, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    EVP_PKEY* signing_key = issuer ? issuer->key.get() : made.key.get();
    check(X509_sign(certificate, signing_key, EVP_sha256()) > 0, "signature");
    return made;
}

std::string memory_text(BIO* memory) {
    char* data = nullptr;
    const long length = BIO_get_mem_data(memory, &data);
    return std::string(data, static_cast<std::size_t>(length));
}

// Every directory make_temp_dir made, removed when the test program exits.
struct TemporaryDirectories {
    std::vector<std::string> paths;

    ~TemporaryDirectories() {
        std::error_code ignored;  // cleanup only: a directory left behind fails no test
        for (const std::string& path : paths) std::filesystem::remove_all(path, ignored);
    }
};

}  // namespace

TestCertificate make_ca(const std::string& common_name, long serial,
                        const TestCertificate* issuer) {
    return make_certificate(common_name, serial, true, issuer, Validity{-3600, 30 * kDay});
}

TestCertificate make_leaf(const std::string& common_name, long serial,
                          const TestCertificate& issuer, Validity validity) {
    return make_certificate(common_name, serial, false, &issuer, validity);
}

std::string common_name(const X509* certificate) {
    char buffer[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, buffer,
                              sizeof buffer);
    return buffer;
}

std::string to_pem(const X509* certificate) {
    crypto::BioPtr memory(BIO_new(BIO_s_mem()));
    check(memory && PEM_write_bio_X509(memory.get(), certificate) == 1, "PEM");
    return memory_text(memory.get());
}

std::string private_key_pem(const EVP_PKEY* key, const std::string& password) {
    crypto::BioPtr memory(BIO_new(BIO_s_mem()));
    const EVP_CIPHER* cipher = password.empty() ? nullptr : EVP_aes_256_cbc();
    check(memory && PEM_write_bio_PKCS8PrivateKey(memory.get(), key, cipher, password.c_str(),
                                                  static_cast<int>(password.size()), nullptr,
                                                  nullptr) == 1,
          "key PEM");
    return memory_text(memory.get());
}

void write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    check(static_cast<bool>(out), "writing a file");
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string make_temp_dir() {
    static TemporaryDirectories made;
    std::string pattern = (std::filesystem::temp_directory_path() / "mqauth-unit-XXXXXX").string();
    check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    made.paths.push_back(pattern);
    return pattern;
}

}  // namespace mqauth::test_pki
