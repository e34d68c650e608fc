// SPDX-License-Identifier: Apache-2.0
#include "authorizers/authorizer.h"

#include "crypto/constant_time.h"

namespace mqauth::authorizers {

bool same_settings(const Authorizer& before, const Authorizer& after) {
    return before.name == after.name && before.func_urn == after.func_urn &&
           before.signing_enable == after.signing_enable &&
           crypto::secrets_equal(before.signing_token.reveal(), after.signing_token.reveal()) &&
           before.signing_public_key_der == after.signing_public_key_der &&
           before.default_authorizer == after.default_authorizer && before.status == after.status &&
           before.cache_enable == after.cache_enable && before.timeout == after.timeout;
}

}  // namespace mqauth::authorizers
