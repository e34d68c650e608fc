#pragma once
// The real transport to authorizer functions: libcurl, one easy handle per URL kept across calls
// so its connection is reused (HTTP keep-alive; no TCP or TLS handshake per CONNECT), a hard
// timeout on every call, and answers capped at kMaxAnswerBytes. Runs on the broker's thread.
#include <memory>
#include <string>
#include <unordered_map>

#include "authorizers/authorizer_function.h"

typedef void CURL;  // as <curl/curl.h> declares it, without its macros in every includer
struct curl_slist;

namespace mqauth::authorizers {

class HttpFunction final : public AuthorizerFunction {
   public:
    HttpFunction();
    ~HttpFunction() override;
    HttpFunction(const HttpFunction&) = delete;
    HttpFunction& operator=(const HttpFunction&) = delete;

    FunctionReply post(const std::string& url, const std::string& json_body,
                       std::chrono::milliseconds timeout) override;
    void keep_only(const std::vector<std::string>& urls) override;

    std::size_t open_handles() const { return handles_.size(); }

   private:
    struct EasyFree {
        void operator()(CURL* handle) const;
    };
    using EasyPtr = std::unique_ptr<CURL, EasyFree>;

    CURL* handle_for(const std::string& url);

    std::unordered_map<std::string, EasyPtr> handles_;
    curl_slist* headers_ = nullptr;
};

}  // namespace mqauth::authorizers
