// SPDX-License-Identifier: Apache-2.0
#include "engine/anonymous_logins.h"

#include "engine/admissions.h"

namespace mqauth::engine {

Decision AnonymousLogins::decide(const ConnectRequest& request,
                                 const std::shared_ptr<const Policy>& policy) {
    if (policy->anonymous != AnonymousAccess::Allow) {
        return Decision::deny(Reason::AnonymousDenied);
    }
    return services_.admit(request.connection, Session{std::string(request.client_id), std::nullopt,
                                                       std::make_unique<AnonymousAdmission>()});
}

}  // namespace mqauth::engine
