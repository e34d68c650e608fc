// SPDX-License-Identifier: Apache-2.0
#pragma once
// HMAC (RFC 2104) with its key absorbed once: the hash states after the inner and the outer
// padded key. A MAC then costs two state copies and the message's blocks; OpenSSL's EVP_MAC
// derives both padded keys again on every EVP_MAC_init (callgrind, HMAC-SHA1 of a client id:
// 8,250 instructions re-keying one context, 3,500 from prepared states). For the SIGNED check,
// whose key (the identity's secret) is known at load and used on every CONNECT.
#include <string_view>

#include "crypto/digest.h"
#include "crypto/openssl_handles.h"

namespace mqauth::crypto {

class PreparedHmac {
   public:
    PreparedHmac(HashAlgorithm algorithm, std::string_view key);

    // HMAC(key, message) into `out`, digest_size() bytes. Allocates nothing once the calling
    // thread has made its first MAC.
    void compute(std::string_view message, unsigned char* out) const;
    std::size_t digest_size() const { return crypto::digest_size(algorithm_); }

   private:
    HashAlgorithm algorithm_;
    EvpMdCtxPtr inner_;  // after hashing key XOR ipad
    EvpMdCtxPtr outer_;  // after hashing key XOR opad
};

}  // namespace mqauth::crypto
