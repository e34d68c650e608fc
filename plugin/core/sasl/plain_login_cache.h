#pragma once
// Remembers which (username, password) pairs a `plain` SASL login verified, so a repeat connect
// skips the PBKDF2 (about 1 ms at 4096 iterations). Entries are keyed by HMAC-SHA256 under a
// per-process random key of a length-prefixed username and password: the password itself is
// never stored, and the key cannot be computed outside this process. Only successes are cached,
// so failed guesses cannot fill it; it is emptied when full and on every policy reload.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

namespace mqauth::sasl {

class PlainLoginCache {
   public:
    explicit PlainLoginCache(std::size_t capacity = 10000);

    bool contains(std::string_view username, std::string_view password) const;
    void remember(std::string_view username, std::string_view password);
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }

   private:
    std::string entry_key(std::string_view username, std::string_view password) const;

    std::size_t capacity_;
    std::string hash_key_;
    std::unordered_set<std::string> entries_;
};

}  // namespace mqauth::sasl
