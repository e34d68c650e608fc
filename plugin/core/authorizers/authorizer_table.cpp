// SPDX-License-Identifier: Apache-2.0
#include "authorizers/authorizer_table.h"

namespace mqauth::authorizers {

bool AuthorizerTable::add(Authorizer authorizer) {
    if (by_name_.count(authorizer.name) > 0) return false;
    const Authorizer& stored = storage_.emplace_back(std::move(authorizer));
    by_name_.emplace(stored.name, &stored);
    if (stored.default_authorizer && !default_) default_ = &stored;
    return true;
}

const Authorizer* AuthorizerTable::find(std::string_view name) const {
    const auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace mqauth::authorizers
