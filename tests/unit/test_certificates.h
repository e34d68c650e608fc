#pragma once
// Certificates and keys made with OpenSSL at test time, written as PEM files into a temporary
// directory that is removed afterwards. ECDSA P-256 throughout: quick to make.
#include <initializer_list>
#include <string>

#include "crypto/openssl_handles.h"

namespace mqauth::testing {

struct KeyPair {
    crypto::EvpPkeyPtr key;
    crypto::X509Ptr certificate;
};

class CertificateFiles {
   public:
    CertificateFiles();
    ~CertificateFiles();
    CertificateFiles(const CertificateFiles&) = delete;
    CertificateFiles& operator=(const CertificateFiles&) = delete;

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& file) const { return dir_ + "/" + file; }

    // A certificate for `common_name` signed by `issuer` (null: self-signed), valid from
    // `from_days` to `to_days` days from now; `is_ca` makes it an authority.
    static KeyPair make(const std::string& common_name, const KeyPair* issuer, bool is_ca = false,
                        long from_days = -1, long to_days = 30);

    // PEM files; each returns the full path.
    std::string write_certificates(const std::string& file,
                                   std::initializer_list<const KeyPair*> certificates) const;
    std::string write_key(const std::string& file, const KeyPair& pair,
                          const std::string& password = "") const;
    std::string write_text(const std::string& file, const std::string& text) const;

   private:
    std::string dir_;
};

// The subject CN of a certificate.
std::string common_name(const X509* certificate);

}  // namespace mqauth::testing
