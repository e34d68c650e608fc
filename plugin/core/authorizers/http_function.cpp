// SPDX-License-Identifier: Apache-2.0
#include "authorizers/http_function.h"

#include <unordered_set>

#include "authorizers/curl_transfer.h"

namespace mqauth::authorizers {

void HttpFunction::EasyFree::operator()(CURL* handle) const {
    curl_easy_cleanup(handle);
}

HttpFunction::HttpFunction() {
    curl::initialise_once();
    headers_ = std::make_unique<curl::RequestHeaders>();
}

HttpFunction::~HttpFunction() = default;

CURL* HttpFunction::handle_for(const std::string& url) {
    if (const auto found = handles_.find(url); found != handles_.end()) return found->second.get();
    EasyPtr handle(curl::open_handle(url, *headers_).release());
    return handles_.emplace(url, std::move(handle)).first->second.get();
}

FunctionReply HttpFunction::post(const std::string& url, const std::string& json_body,
                                 std::chrono::milliseconds timeout) {
    CURL* handle = handle_for(url);
    curl::Transfer transfer;
    transfer.body = json_body;
    transfer.timeout = timeout;
    curl::begin(handle, transfer);
    return curl::finish(handle, curl_easy_perform(handle), transfer);
}

void HttpFunction::keep_only(const std::vector<std::string>& urls) {
    const std::unordered_set<std::string> wanted(urls.begin(), urls.end());
    for (auto handle = handles_.begin(); handle != handles_.end();) {
        handle = wanted.count(handle->first) ? std::next(handle) : handles_.erase(handle);
    }
}

}  // namespace mqauth::authorizers
