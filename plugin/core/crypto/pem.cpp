// SPDX-License-Identifier: Apache-2.0
#include "crypto/pem.h"

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstring>

#include "crypto/crypto_error.h"
#include "io/regular_file.h"

namespace mqauth::crypto {
namespace {

// PEM files are small; anything this big is not one.
constexpr std::size_t kMaxPemFileBytes = 1u << 20;

// The file's bytes behind a memory BIO; `keep` owns them while the BIO is read.
BioPtr open_file(const std::string& path, std::string& keep, std::string& error) {
    io::FileRead file = io::read_regular_file(path, kMaxPemFileBytes);
    if (!file.text) {
        error = "cannot read " + path + ": " + file.error;
        return nullptr;
    }
    keep = std::move(*file.text);
    BioPtr memory(BIO_new_mem_buf(keep.data(), static_cast<int>(keep.size())));
    if (!memory) error = "cannot read " + path + ": out of memory";
    return memory;
}

// PEM_read_bio_PrivateKey asks this for the passphrase. Answering with no bytes makes an
// encrypted key fail to load instead of prompting; an empty password means "not encrypted".
int supply_password(char* buffer, int size, int /*rwflag*/, void* userdata) {
    const auto* password = static_cast<const std::string_view*>(userdata);
    if (password->empty() || password->size() > static_cast<std::size_t>(size)) return -1;
    std::memcpy(buffer, password->data(), password->size());
    return static_cast<int>(password->size());
}

}  // namespace

std::string take_openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "unknown OpenSSL error";
    const char* reason = ERR_reason_error_string(code);
    return reason ? reason : "OpenSSL error " + std::to_string(code);
}

CertificateFile read_certificates(const std::string& path) {
    CertificateFile result;
    std::string bytes;
    BioPtr file = open_file(path, bytes, result.error);
    if (!file) return result;
    while (X509* certificate = PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr)) {
        result.certificates.emplace_back(certificate);
    }
    // Reading stops with "no start line" at the end of the file; anything else is damage.
    const unsigned long last = ERR_peek_last_error();
    const bool clean_end =
        ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    if (last != 0 && !clean_end) {
        result.error = path + ": not a PEM certificate file (" + take_openssl_error() + ")";
        result.certificates.clear();
        return result;
    }
    ERR_clear_error();
    if (result.certificates.empty()) result.error = path + ": holds no PEM certificate";
    return result;
}

PrivateKeyFile read_private_key(const std::string& path, std::string_view password) {
    PrivateKeyFile result;
    std::string bytes;
    BioPtr file = open_file(path, bytes, result.error);
    if (!file) return result;
    result.key.reset(PEM_read_bio_PrivateKey(file.get(), nullptr, supply_password, &password));
    if (!result.key) {
        const std::string why = take_openssl_error();
        result.error = path + ": cannot load the private key (" + why +
                       (password.empty() ? "; is it encrypted? set key_password)"
                                         : "; is key_password right?)");
    }
    return result;
}

PublicKeyText parse_public_key(std::string_view pem) {
    PublicKeyText result;
    if (pem.find("PRIVATE KEY") != std::string_view::npos) {
        result.error = "holds a private key; give the public key (openssl pkey -pubout)";
        return result;
    }
    EVP_PKEY* key = nullptr;
    OSSL_DECODER_CTX* decoder = OSSL_DECODER_CTX_new_for_pkey(
        &key, "PEM", nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
    if (!decoder) throw CryptoError("cannot create a key decoder");
    const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
    std::size_t length = pem.size();
    const bool decoded = OSSL_DECODER_from_data(decoder, &data, &length) == 1;
    OSSL_DECODER_CTX_free(decoder);
    result.key.reset(key);
    if (!decoded || !result.key) {
        result.key.reset();
        ERR_clear_error();
        result.error = "not a PEM public key";
    }
    return result;
}

std::string public_key_der(const EVP_PKEY* key) {
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key, &der);
    if (length <= 0) throw CryptoError("cannot encode a public key");
    std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return bytes;
}

}  // namespace mqauth::crypto
