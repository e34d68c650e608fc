// SPDX-License-Identifier: Apache-2.0
#pragma once
// The `authorizers:` of one policy, by name, and the default one for SNI clients.
#include <deque>
#include <string_view>
#include <unordered_map>

#include "authorizers/authorizer.h"

namespace mqauth::authorizers {

class AuthorizerTable {
   public:
    AuthorizerTable() = default;
    AuthorizerTable(const AuthorizerTable&) = delete;  // the index points into storage_
    AuthorizerTable& operator=(const AuthorizerTable&) = delete;
    AuthorizerTable(AuthorizerTable&&) = default;  // std::deque moves keep element addresses
    AuthorizerTable& operator=(AuthorizerTable&&) = default;

    bool add(Authorizer authorizer);  // false for a duplicate name
    const Authorizer* find(std::string_view name) const;
    // The authorizer marked default_authorizer (at most one, the config ensures), or nullptr.
    const Authorizer* default_authorizer() const { return default_; }

    const std::deque<Authorizer>& all() const { return storage_; }
    std::size_t size() const { return storage_.size(); }
    bool empty() const { return storage_.empty(); }

   private:
    std::deque<Authorizer> storage_;
    std::unordered_map<std::string_view, const Authorizer*> by_name_;
    const Authorizer* default_ = nullptr;
};

}  // namespace mqauth::authorizers
