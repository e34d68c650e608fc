// SPDX-License-Identifier: Apache-2.0
#include "authorizers/function_url.h"

#include <curl/curl.h>

#include <memory>
#include <new>

namespace mqauth::authorizers {
namespace {

struct UrlFree {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlFree>;

struct CurlText {
    char* text = nullptr;
    ~CurlText() { curl_free(text); }
};

bool has_part(CURLU* url, CURLUPart part, CurlText& out) {
    return curl_url_get(url, part, &out.text, 0) == CURLUE_OK && out.text && *out.text;
}

}  // namespace

std::optional<std::string> function_url_problem(std::string_view url) {
    if (url.empty()) return std::string("must not be empty");
    if (url.size() > kMaxFunctionUrlBytes) return std::string("longer than 2048 bytes");
    for (const char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
            return std::string("holds a space or a control character");
        }
    }
    UrlPtr parsed(curl_url());
    if (!parsed) throw std::bad_alloc();
    // Without CURLU_GUESS_SCHEME or CURLU_DEFAULT_SCHEME: a URL without a scheme is refused.
    if (curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
        return std::string("not a URL");
    }
    CurlText scheme, host;
    if (!has_part(parsed.get(), CURLUPART_SCHEME, scheme) ||
        (std::string_view(scheme.text) != "http" && std::string_view(scheme.text) != "https")) {
        return std::string("must be an http:// or https:// URL");
    }
    if (!has_part(parsed.get(), CURLUPART_HOST, host)) return std::string("names no host");
    return std::nullopt;
}

}  // namespace mqauth::authorizers
