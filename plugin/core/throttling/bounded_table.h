// SPDX-License-Identifier: Apache-2.0
#pragma once
// A map with a fixed capacity that forgets its least recently used key when full, so a flood of
// distinct names or addresses costs bounded memory (and only ever loosens throttling). The index
// keys are views of the keys the list owns (list nodes never move), so a lookup, which runs on
// every CONNECT, allocates nothing.
#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace mqauth::throttling {

template <typename Value>
class BoundedTable {
   public:
    explicit BoundedTable(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    Value* find(std::string_view key) {
        const auto found = index_.find(key);
        if (found == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, found->second);
        return &found->second->second;
    }

    // The value for `key`, created (and the oldest key evicted if full) when missing.
    Value& touch(std::string_view key) {
        if (Value* existing = find(key)) return *existing;
        if (index_.size() >= capacity_) evict_oldest();
        order_.emplace_front(std::string(key), Value{});
        index_.emplace(std::string_view(order_.front().first), order_.begin());
        return order_.front().second;
    }

    void erase(std::string_view key) {
        const auto found = index_.find(key);
        if (found == index_.end()) return;
        const auto node = found->second;
        index_.erase(found);  // before the node: the index key is a view of the node's string
        order_.erase(node);
    }

    std::size_t size() const { return index_.size(); }
    void set_capacity(std::size_t capacity) {
        capacity_ = capacity == 0 ? 1 : capacity;
        while (index_.size() > capacity_) evict_oldest();
    }

   private:
    using Order = std::list<std::pair<std::string, Value>>;

    void evict_oldest() {
        index_.erase(std::string_view(order_.back().first));
        order_.pop_back();
    }

    std::size_t capacity_;
    Order order_;  // most recently used first
    std::unordered_map<std::string_view, typename Order::iterator> index_;
};

}  // namespace mqauth::throttling
