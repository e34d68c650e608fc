#include "crypto/base64.h"

#include <openssl/evp.h>

#include <limits>

#include "crypto/crypto_error.h"

namespace mqauth::crypto {

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
    if (size > static_cast<std::size_t>(std::numeric_limits<int>::max() / 4 * 3)) {
        throw CryptoError("Base64 input too large");
    }
    std::string out(4 * ((size + 2) / 3) + 1, '\0');  // EVP_EncodeBlock writes a trailing NUL
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

}  // namespace mqauth::crypto
