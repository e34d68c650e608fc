// SPDX-License-Identifier: Apache-2.0
#include "explain/login_explainer.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "authorizers/http_function.h"
#include "certs/device_verification.h"
#include "crypto/pem.h"
#include "explain/scram_client.h"
#include "explain/what_if_store.h"
#include "registry/store_opening.h"

namespace mqauth::cli::explain {

// An authorizer's function as explain leaves it by default: not called, but asked for.
class UncalledFunction final : public authorizers::AuthorizerFunction {
   public:
    // The failure the engine is answered with, and reports as the function's error: no broker
    // would log it.
    static constexpr std::string_view kNotCalled = "not called by mqauth explain";

    authorizers::FunctionReply post(const std::string& url, const std::string& /*json_body*/,
                                    std::chrono::milliseconds /*timeout*/) override {
        asked_ = url;
        authorizers::FunctionReply reply;
        reply.failure = std::string(kNotCalled);
        return reply;
    }
    void keep_only(const std::vector<std::string>& /*urls*/) override {}

    std::optional<std::string> take_asked() { return std::exchange(asked_, std::nullopt); }

   private:
    std::optional<std::string> asked_;
};

namespace {

// The policy's device registry behind a store that is read, never written.
std::unique_ptr<registry::DeviceRegistry> what_if_registry(const Policy& policy,
                                                           WhatIfStore*& store) {
    if (!policy.certificates.registry) return nullptr;
    const registry::RegistrySource& source = *policy.certificates.registry;
    registry::StoreOpening opening = registry::open_store(source, registry::Access::ReadOnly);
    if (!opening.store && !opening.missing) {
        throw std::runtime_error("cannot read the device registry " + source.describe() + ": " +
                                 opening.error);
    }
    auto what_if = std::make_unique<WhatIfStore>(std::move(opening.store));
    store = what_if.get();
    return std::make_unique<registry::DeviceRegistry>(source, std::move(what_if));
}

// The client's certificate and the chain it would send, from one PEM file.
struct PresentedCertificate {
    crypto::CertificateFile file;
    crypto::X509StackPtr chain{sk_X509_new_null()};
};

PresentedCertificate read_presented(const std::string& path) {
    PresentedCertificate presented{crypto::read_certificates(path)};
    if (!presented.file.error.empty()) {
        throw std::runtime_error("--cert " + path + ": " + presented.file.error);
    }
    for (std::size_t i = 1; i < presented.file.certificates.size(); ++i) {
        // The stack frees what it holds: it gets references of its own.
        sk_X509_push(presented.chain.get(),
                     crypto::share(presented.file.certificates[i].get()).release());
    }
    return presented;
}

// The engine's step under README's number for it (DecisionStep).
engine::Engine::DecidingStep numbered_as_readme(engine::Engine::DecidingStep step) {
    static constexpr int kReadmeNumber[] = {-1, kCertificateStep, kAuthorizerStep, kPasswordStep,
                                            kAnonymousStep};
    if (step.number < 1 || step.number > kAnonymousStep) {
        throw std::logic_error("the engine named no step of its decision order");
    }
    step.number = kReadmeNumber[step.number];
    return step;
}

}  // namespace

LoginExplainer::LoginExplainer(std::shared_ptr<const Policy> policy, bool call_functions)
    : engine_(policy) {
    engine_.use_registry(what_if_registry(*policy, registry_store_));
    if (call_functions) {
        engine_.use_authorizer_function(std::make_unique<authorizers::HttpFunction>());
    } else {
        auto uncalled = std::make_unique<UncalledFunction>();
        uncalled_ = uncalled.get();
        engine_.use_authorizer_function(std::move(uncalled));
    }
}

ConnectAnswer LoginExplainer::explain(const ConnectQuestion& question) {
    std::vector<std::string> notices;
    engine_.send_notices_to([&notices](const std::string& line) { notices.push_back(line); });
    ConnectAnswer answer = question.scram ? log_in_with_scram(question) : log_in(question);
    engine_.send_notices_to(nullptr);
    if (uncalled_) answer.uncalled_function = uncalled_->take_asked();
    if (answer.uncalled_function) {
        // The engine reported the call explain did not make as the function's error.
        const auto from_uncalled = [](const std::string& notice) {
            return notice.find(UncalledFunction::kNotCalled) != std::string::npos;
        };
        notices.erase(std::remove_if(notices.begin(), notices.end(), from_uncalled), notices.end());
    }
    answer.notices = std::move(notices);
    answer.would_register = registry_store_ && registry_store_->would_register().has_value();
    if (answer.decision.verdict == engine::Verdict::Allow) {
        if (const auto* username = engine_.admitted_username(kConnection))
            answer.username = *username;
    }
    return answer;
}

ConnectAnswer LoginExplainer::log_in(const ConnectQuestion& question) {
    engine::ConnectRequest request;
    request.connection = kConnection;
    request.client_id = question.client_id;
    request.username = question.username;
    request.password = question.password;
    request.address = question.address;
    request.server_name = question.server_name;
    request.link = engine::Link::Connected;
    std::optional<PresentedCertificate> presented;
    certs::Verification verification;
    if (question.certificate_file) {
        presented = read_presented(*question.certificate_file);
        X509* leaf = presented->file.certificates.front().get();
        const certs::CertificatePolicy& certificates = engine_.policy().certificates;
        // As the broker: the listed CAs decide a certificate; with none listed, the listener
        // verified it and only an authorizer's function sees it.
        if (certificates.authorities.all().empty()) {
            request.peer_certificate = leaf;
        } else {
            verification = certs::verify_certificate(leaf, certificates, presented->chain.get());
            request.certificate = &verification;
        }
    }
    ConnectAnswer answer;
    answer.step = numbered_as_readme(engine_.deciding_step(request));
    answer.decision = engine_.authenticate(request);
    if (verification.device) answer.ca_name = verification.device->ca_name;
    if (!verification.detail.empty()) answer.certificate_detail = verification.detail;
    return answer;
}

ConnectAnswer LoginExplainer::log_in_with_scram(const ConnectQuestion& question) {
    ScramClient client(*question.scram, question.username.value_or(""),
                       question.password.value_or(""));
    const std::string method(sasl::mechanism_name(*question.scram));
    const std::string first = client.first_message();
    ConnectAnswer answer;
    answer.step = {kScramStep, "SCRAM enhanced authentication"};
    engine::AuthStep step = engine_.begin_enhanced_auth(
        {kConnection, question.client_id, method, first, question.address});
    if (step.decision.verdict == engine::Verdict::Continue) {
        const auto final_message = client.final_message(step.data);
        if (!final_message) throw std::runtime_error("the server-first message does not parse");
        step = engine_.continue_enhanced_auth(
            {kConnection, question.client_id, "", *final_message, question.address});
    }
    answer.decision = step.decision;
    return answer;
}

engine::Decision LoginExplainer::authorize(permissions::Access access, const std::string& topic,
                                           const ConnectQuestion& question,
                                           const ConnectAnswer& answer) {
    return engine_.authorize(
        {kConnection, access, topic, answer.username.value_or(""), question.client_id});
}

}  // namespace mqauth::cli::explain
