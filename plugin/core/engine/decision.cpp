// SPDX-License-Identifier: Apache-2.0
#include "engine/decision.h"

namespace mqauth::engine {

std::string_view reason_code(Reason reason) {
    switch (reason) {
        case Reason::None: return "none";
        case Reason::AnonymousDenied: return "anonymous_denied";
        case Reason::UnknownUsername: return "unknown_username";
        case Reason::ClientIdNotBound: return "client_id_not_bound";
        case Reason::MissingPassword: return "missing_password";
        case Reason::BadPassword: return "bad_password";
        case Reason::IdentityRemoved: return "identity_removed";
        case Reason::CredentialsChanged: return "credentials_changed";
        case Reason::PreviousSecretExpired: return "previous_secret_expired";
        case Reason::AnonymousWithdrawn: return "anonymous_withdrawn";
        case Reason::TopicDenied: return "topic_denied";
        case Reason::UnsupportedAuthMethod: return "unsupported_auth_method";
        case Reason::MechanismMismatch: return "mechanism_mismatch";
        case Reason::ScramMalformed: return "scram_malformed";
        case Reason::ChannelBindingUnsupported: return "channel_binding_unsupported";
        case Reason::ExchangeStalled: return "exchange_stalled";
        case Reason::TooManyExchanges: return "too_many_exchanges";
        case Reason::TooManyExchangesFromAddress: return "too_many_exchanges_from_address";
        case Reason::UnexpectedAuthStep: return "unexpected_auth_step";
        case Reason::ReauthUserChanged: return "reauth_user_changed";
        case Reason::UnknownCa: return "unknown_ca";
        case Reason::CaInactive: return "ca_inactive";
        case Reason::CertificateExpired: return "certificate_expired";
        case Reason::CertificateNotYetValid: return "certificate_not_yet_valid";
        case Reason::CertificateInvalid: return "certificate_invalid";
        case Reason::CertificateInactive: return "certificate_inactive";
        case Reason::CertificateRevoked: return "certificate_revoked";
        case Reason::ClientIdNotCommonName: return "client_id_not_cn";
        case Reason::ClientIdReserved: return "client_id_reserved";
        case Reason::RegistryWriteFailed: return "registry_write_failed";
        case Reason::RegistryUnavailable: return "registry_unavailable";
        case Reason::CertificateKeyConflict: return "certificate_key_conflict";
        case Reason::Throttled: return "throttled";
        case Reason::AuthorizerUsernameMalformed: return "authorizer_username_malformed";
        case Reason::AuthorizerUnknown: return "authorizer_unknown";
        case Reason::AuthorizerInactive: return "authorizer_inactive";
        case Reason::AuthorizerRemoved: return "authorizer_removed";
        case Reason::AuthorizerSignatureMissing: return "authorizer_signature_missing";
        case Reason::AuthorizerTokenMismatch: return "authorizer_token_mismatch";
        case Reason::AuthorizerBadSignature: return "authorizer_bad_signature";
        case Reason::AuthorizerNotUtf8: return "authorizer_not_utf8";
        case Reason::AuthorizerDenied: return "authorizer_denied";
        case Reason::AuthorizerError: return "authorizer_error";
        case Reason::AuthorizerUnavailable: return "authorizer_unavailable";
        case Reason::AuthorizerBusy: return "authorizer_busy";
        case Reason::AuthorizerChanged: return "authorizer_changed";
        case Reason::InternalError: return "internal_error";
    }
    return "internal_error";
}

}  // namespace mqauth::engine
