// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the rules matching one access say: which actions they allow and which they deny.
#include <cstdint>

namespace mqauth::permissions {

enum class Action : std::uint8_t { Publish = 1, Subscribe = 2 };

enum class Effect { Allow, Deny };

// permit_action: PUB, SUB or PUB_SUB.
using ActionSet = std::uint8_t;
inline constexpr ActionSet kPublish = static_cast<ActionSet>(Action::Publish);
inline constexpr ActionSet kSubscribe = static_cast<ActionSet>(Action::Subscribe);

class Grants {
   public:
    void add(ActionSet actions, Effect effect) {
        (effect == Effect::Allow ? allowed_ : denied_) |= actions;
    }
    void merge(const Grants& other) {
        allowed_ |= other.allowed_;
        denied_ |= other.denied_;
    }
    bool allows(Action action) const { return allowed_ & static_cast<ActionSet>(action); }
    bool denies(Action action) const { return denied_ & static_cast<ActionSet>(action); }

   private:
    ActionSet allowed_ = 0;
    ActionSet denied_ = 0;
};

}  // namespace mqauth::permissions
