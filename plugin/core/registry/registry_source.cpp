// SPDX-License-Identifier: Apache-2.0
#include "registry/registry_source.h"

#include "crypto/constant_time.h"

namespace mqauth::registry {

std::string RegistrySource::describe() const {
    return (backend == Backend::Sqlite ? "sqlite " : "postgresql ") + location;
}

bool RegistrySource::same_as(const RegistrySource& other) const {
    if (backend != other.backend || location != other.location || timeout != other.timeout) {
        return false;
    }
    if (password.has_value() != other.password.has_value()) return false;
    return !password || crypto::secrets_equal(password->reveal(), other.password->reveal());
}

}  // namespace mqauth::registry
