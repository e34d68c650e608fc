// SPDX-License-Identifier: Apache-2.0
#include "crypto/prepared_hmac.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

#include "crypto/crypto_error.h"

namespace mqauth::crypto {
namespace {

constexpr std::size_t kLargestBlock = 128;  // SHA-512's; SHA-1's and SHA-256's are 64
constexpr unsigned char kInnerPad = 0x36;
constexpr unsigned char kOuterPad = 0x5c;

using Block = std::array<unsigned char, kLargestBlock>;

// A digest context that has hashed one block: the key XOR `pad`.
EvpMdCtxPtr absorb_padded_key(const EVP_MD* md, const Block& key, std::size_t block_size,
                              unsigned char pad) {
    Block padded{};
    for (std::size_t i = 0; i < block_size; ++i) padded[i] = key[i] ^ pad;
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok = ctx && EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
                    EVP_DigestUpdate(ctx.get(), padded.data(), block_size) == 1;
    OPENSSL_cleanse(padded.data(), padded.size());
    if (!ok) throw CryptoError("HMAC key set-up failed");
    return ctx;
}

}  // namespace

PreparedHmac::PreparedHmac(HashAlgorithm algorithm, std::string_view key) : algorithm_(algorithm) {
    const EVP_MD* md = evp_md(algorithm);
    const auto block_size = static_cast<std::size_t>(EVP_MD_get_block_size(md));
    if (block_size == 0 || block_size > kLargestBlock) throw CryptoError("unexpected block size");
    // RFC 2104: a key longer than a block is hashed first; then it is zero-padded to a block.
    Block padded_key{};
    if (key.size() > block_size) {
        const std::string hashed = digest(algorithm, key);
        std::memcpy(padded_key.data(), hashed.data(), hashed.size());
    } else if (!key.empty()) {
        std::memcpy(padded_key.data(), key.data(), key.size());
    }
    inner_ = absorb_padded_key(md, padded_key, block_size, kInnerPad);
    outer_ = absorb_padded_key(md, padded_key, block_size, kOuterPad);
    OPENSSL_cleanse(padded_key.data(), padded_key.size());
}

void PreparedHmac::compute(std::string_view message, unsigned char* out) const {
    // One working context per thread: EVP_MD_CTX_copy_ex reuses it, so no MAC allocates it.
    thread_local const EvpMdCtxPtr work(EVP_MD_CTX_new());
    unsigned char inner_hash[EVP_MAX_MD_SIZE];
    unsigned int inner_size = 0;
    unsigned int out_size = 0;
    if (!work || EVP_MD_CTX_copy_ex(work.get(), inner_.get()) != 1 ||
        EVP_DigestUpdate(work.get(), bytes(message), message.size()) != 1 ||
        EVP_DigestFinal_ex(work.get(), inner_hash, &inner_size) != 1 ||
        EVP_MD_CTX_copy_ex(work.get(), outer_.get()) != 1 ||
        EVP_DigestUpdate(work.get(), inner_hash, inner_size) != 1 ||
        EVP_DigestFinal_ex(work.get(), out, &out_size) != 1 || out_size != digest_size()) {
        throw CryptoError("HMAC failed");
    }
}

}  // namespace mqauth::crypto
