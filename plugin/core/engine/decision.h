// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the engine answers. `Deny` is a refusal the policy made; `Error` means something broke
// (the adapter fails closed and logs it differently).
#include <string_view>

namespace mqauth::engine {

enum class Verdict {
    Allow,
    Deny,
    Continue,  // enhanced authentication goes on: send the step's data in an AUTH packet
    Pending,   // an authorizer function was called off the broker's thread: the answer comes
               // from Engine::finish_authorizer_calls
    Error,
    NextPlugin,  // not mqauth's to decide (`unknown_usernames: next_plugin`): the next plugin,
                 // or Mosquitto's password_file, decides
};

enum class Reason {
    None,
    AnonymousDenied,            // no username, and `anonymous: deny`
    UnknownUsername,            // no identity for the username
    ClientIdNotBound,           // the username has only CLIENT identities, none for this client id
    MissingPassword,            // an identity matched but the CONNECT carried no password
    BadPassword,                // an identity matched and the password did not
    IdentityRemoved,            // reload: the identity that admitted the client is gone
    CredentialsChanged,         // reload: its secret, sign mode or type changed
    PreviousSecretExpired,      // a previous secret or SASL credentials, past their _until
    AnonymousWithdrawn,         // reload: anonymous access was switched off
    TopicDenied,                // a DENY rule matched, or no rule did and no_match is DENY
    UnsupportedAuthMethod,      // an MQTT 5 authentication method other than SCRAM-SHA-*
    MechanismMismatch,          // a SASL user logging in the other way, or by another mechanism
    ScramMalformed,             // a SCRAM message that does not parse
    ChannelBindingUnsupported,  // SCRAM with channel binding ("p=" or "y")
    ExchangeStalled,            // the SCRAM client-final came too late
    TooManyExchanges,           // too many SCRAM exchanges in flight at once
    TooManyExchangesFromAddress,  // ... from this client's address
    UnexpectedAuthStep,           // an AUTH packet with no exchange in flight
    ReauthUserChanged,            // a re-authentication as somebody else
    UnknownCa,                    // a client certificate not issued by a listed CA
    CaInactive,                   // ... issued by a listed CA whose status is INACTIVE
    CertificateExpired,           // a certificate in the client's chain is past its notAfter
    CertificateNotYetValid,       // ... or before its notBefore
    CertificateInvalid,           // any other chain verification failure
    CertificateInactive,          // the device certificate's state is INACTIVE
    CertificateRevoked,           // ... or REVOKED
    ClientIdNotCommonName,        // bind_client_id_to_cn, and the client id is not the CN
    ClientIdReserved,        // a CLIENT identity names the client id, and this login is not one
    RegistryWriteFailed,     // a first-seen certificate could not be registered durably
    RegistryUnavailable,     // ... because the (shared) registry cannot be reached
    CertificateKeyConflict,  // another certificate is registered under its serial and issuer
    Throttled,               // too many failed logins from this address or for this username
    AuthorizerUsernameMalformed,  // a username with '|' that is not the authorizer form
    AuthorizerUnknown,            // it names no configured authorizer
    AuthorizerInactive,           // ... an INACTIVE one (also: reload made it INACTIVE)
    AuthorizerRemoved,            // reload: the authorizer that admitted the client is gone
    AuthorizerSignatureMissing,   // signing is enabled and the username has no signature or token
    AuthorizerTokenMismatch,      // the token is not the authorizer's signing_token
    AuthorizerBadSignature,       // the signature is not Base64 or does not verify
    AuthorizerNotUtf8,            // the password (or another field) cannot go into JSON text
    AuthorizerDenied,             // the function answered "deny" (or its cached answer did)
    AuthorizerError,              // the function failed: no answer, not 2xx, not the JSON asked
    AuthorizerUnavailable,        // not called: its circuit is open, or calls took their share
    AuthorizerBusy,               // not called: max_in_flight calls to it are under way already
    AuthorizerChanged,            // a reload changed or removed it while its call was under way
    InternalError,                // an exception or a library failure
};

// The stable reason code written in log lines (operators grep for these).
std::string_view reason_code(Reason reason);

struct Decision {
    Verdict verdict = Verdict::Error;
    Reason reason = Reason::InternalError;

    static Decision allow() { return {Verdict::Allow, Reason::None}; }
    static Decision deny(Reason reason) { return {Verdict::Deny, reason}; }
    static Decision proceed() { return {Verdict::Continue, Reason::None}; }
    static Decision pending() { return {Verdict::Pending, Reason::None}; }
    static Decision error() { return {Verdict::Error, Reason::InternalError}; }
    static Decision next_plugin(Reason reason) { return {Verdict::NextPlugin, reason}; }
};

}  // namespace mqauth::engine
