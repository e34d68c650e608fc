#include "sasl/plain_login_cache.h"

#include "crypto/digest.h"
#include "crypto/random.h"

namespace mqauth::sasl {
namespace {

void append_length_prefixed(std::string& out, std::string_view field) {
    const std::uint64_t size = field.size();
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out.append(field);
}

}  // namespace

PlainLoginCache::PlainLoginCache(std::size_t capacity)
    : capacity_(capacity), hash_key_(crypto::random_bytes(32)) {}

std::string PlainLoginCache::entry_key(std::string_view username, std::string_view password) const {
    std::string message;
    append_length_prefixed(message, username);
    append_length_prefixed(message, password);
    return crypto::hmac(crypto::HashAlgorithm::Sha256, hash_key_, message);
}

bool PlainLoginCache::contains(std::string_view username, std::string_view password) const {
    return entries_.count(entry_key(username, password)) > 0;
}

void PlainLoginCache::remember(std::string_view username, std::string_view password) {
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.insert(entry_key(username, password));
}

}  // namespace mqauth::sasl
