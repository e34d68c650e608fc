// SPDX-License-Identifier: Apache-2.0
#include "engine/access_cache.h"

namespace mqauth::engine {

std::optional<bool> AccessCache::lookup(permissions::Access access, std::string_view topic,
                                        std::uint64_t generation) const {
    for (const Entry& entry : entries_) {
        if (entry.generation == generation && entry.access == access && entry.topic == topic) {
            return entry.allowed;
        }
    }
    return std::nullopt;
}

void AccessCache::store(permissions::Access access, std::string_view topic,
                        std::uint64_t generation, bool allowed) {
    if (topic.size() > kMaxTopicBytes) return;
    Entry& entry = entries_[next_];
    next_ = (next_ + 1) % kEntries;
    entry.topic.assign(topic.data(), topic.size());  // reuses the string's capacity
    entry.access = access;
    entry.generation = generation;
    entry.allowed = allowed;
}

}  // namespace mqauth::engine
