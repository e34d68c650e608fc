// SPDX-License-Identifier: Apache-2.0
#include "authorizers/function_request.h"

#include <nlohmann/json.hpp>

#include "yaml/text_rules.h"

namespace mqauth::authorizers {
namespace {

using nlohmann::json;

json text_or_null(const std::optional<std::string_view>& text) {
    return text ? json(std::string(*text)) : json(nullptr);
}

json certificate_json(const CertificateInfo* certificate) {
    if (!certificate) return nullptr;
    return json{{"fingerprint_sha256", certificate->fingerprint_sha256},
                {"serial", certificate->serial},
                {"common_name", text_or_null(certificate->common_name)},
                {"issuer", text_or_null(certificate->issuer)}};
}

bool all_utf8(const FunctionRequest& request) {
    const auto valid = [](const std::optional<std::string_view>& text) {
        return !text || yaml::is_valid_utf8(*text);
    };
    const CertificateInfo* certificate = request.certificate;
    return valid(request.authorizer_name) && valid(request.username) && valid(request.client_id) &&
           valid(request.password) && valid(request.signing_token) && valid(request.server_name) &&
           valid(request.client_address) &&
           (!certificate || (valid(certificate->serial) && valid(certificate->fingerprint_sha256) &&
                             valid(certificate->common_name) && valid(certificate->issuer)));
}

}  // namespace

std::optional<std::string> request_json(const FunctionRequest& request) {
    if (!all_utf8(request)) return std::nullopt;
    const json body{
        {"authorizer_name", std::string(request.authorizer_name)},
        {"username", text_or_null(request.username)},
        {"client_id", std::string(request.client_id)},
        {"password", text_or_null(request.password)},
        {"signing_token", text_or_null(request.signing_token)},
        {"signature_verified", request.signature_verified},
        {"server_name", text_or_null(request.server_name)},
        {"client_address", std::string(request.client_address)},
        {"certificate", certificate_json(request.certificate)},
    };
    return body.dump();
}

}  // namespace mqauth::authorizers
