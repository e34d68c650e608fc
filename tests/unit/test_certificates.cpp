#include "test_certificates.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mqauth::testing {
namespace {

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check(extension != nullptr, "extension");
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
}

}  // namespace

CertificateFiles::CertificateFiles() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mqauth-test-XXXXXX").string();
    check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
    dir_ = pattern;
}

CertificateFiles::~CertificateFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

KeyPair CertificateFiles::make(const std::string& common_name, const KeyPair* issuer, bool is_ca,
                               long from_days, long to_days) {
    KeyPair pair;
    pair.key.reset(EVP_EC_gen("P-256"));
    pair.certificate.reset(X509_new());
    check(pair.key && pair.certificate, "allocation");
    X509* certificate = pair.certificate.get();
    X509_set_version(certificate, X509_VERSION_3);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial++);
    X509_gmtime_adj(X509_getm_notBefore(certificate), from_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(certificate), to_days * 86400L);
    X509_set_pubkey(certificate, pair.key.get());
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509* signer = issuer ? issuer->certificate.get() : certificate;
    X509_set_issuer_name(certificate, X509_get_subject_name(signer));
    add_extension(certificate, signer, NID_basic_constraints,
                  is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    check(X509_sign(certificate, issuer ? issuer->key.get() : pair.key.get(), EVP_sha256()) > 0,
          "sign");
    return pair;
}

std::string CertificateFiles::write_certificates(
    const std::string& file, std::initializer_list<const KeyPair*> certificates) const {
    const std::string full = path(file);
    crypto::BioPtr out(BIO_new_file(full.c_str(), "w"));
    check(out != nullptr, "open certificate file");
    for (const KeyPair* pair : certificates) {
        check(PEM_write_bio_X509(out.get(), pair->certificate.get()) == 1, "write certificate");
    }
    return full;
}

std::string CertificateFiles::write_key(const std::string& file, const KeyPair& pair,
                                        const std::string& password) const {
    const std::string full = path(file);
    crypto::BioPtr out(BIO_new_file(full.c_str(), "w"));
    check(out != nullptr, "open key file");
    const EVP_CIPHER* cipher = password.empty() ? nullptr : EVP_aes_256_cbc();
    check(PEM_write_bio_PKCS8PrivateKey(out.get(), pair.key.get(), cipher, password.c_str(),
                                        static_cast<int>(password.size()), nullptr, nullptr) == 1,
          "write key");
    return full;
}

std::string CertificateFiles::write_text(const std::string& file, const std::string& text) const {
    const std::string full = path(file);
    std::ofstream(full, std::ios::binary) << text;
    return full;
}

std::string common_name(const X509* certificate) {
    char buffer[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, buffer,
                              sizeof buffer);
    return buffer;
}

}  // namespace mqauth::testing
