// SPDX-License-Identifier: Apache-2.0
#pragma once
// A secret held in memory: wiped on destruction, never printable. The only way to read it is
// reveal(), which makes every use greppable.
#include <string>
#include <string_view>

namespace mqauth::crypto {

class Secret {
   public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}
    Secret(const Secret& other) : value_(other.value_) {}
    Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
    Secret& operator=(Secret other) noexcept {
        wipe();
        value_.swap(other.value_);
        return *this;
    }
    ~Secret() { wipe(); }

    std::string_view reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

   private:
    void wipe() noexcept;
    std::string value_;
};

}  // namespace mqauth::crypto
