// SPDX-License-Identifier: Apache-2.0
#pragma once
// The transport to authorizer functions on the broker's thread (Mosquitto 2.0): libcurl, one easy
// handle per URL kept across calls so its connection is reused (HTTP keep-alive; no TCP or TLS
// handshake per CONNECT), a hard timeout on every call. The settings every call shares are in
// curl_transfer.h.
#include <memory>
#include <string>
#include <unordered_map>

#include "authorizers/authorizer_function.h"

typedef void CURL;  // as <curl/curl.h> declares it, without its macros in every includer

namespace mqauth::authorizers {

namespace curl {
class RequestHeaders;
}

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

    std::unique_ptr<curl::RequestHeaders> headers_;
    std::unordered_map<std::string, EasyPtr> handles_;  // after headers_: they point to it
};

}  // namespace mqauth::authorizers
