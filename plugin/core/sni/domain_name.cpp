// SPDX-License-Identifier: Apache-2.0
#include "sni/domain_name.h"

#include <arpa/inet.h>

namespace mqauth::sni {
namespace {

constexpr char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

std::string lowered(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = lower(c);
    return out;
}

// Every label of `name` valid; `why` says which is not.
bool labels_valid(std::string_view name, std::string& why) {
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::string_view label = name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty()) {
            why = dot == std::string_view::npos && start > 0
                      ? "ends with a dot (write the name without it)"
                      : "has an empty label (two dots in a row, or a leading dot)";
            return false;
        }
        if (!is_dns_label(label)) {
            why = label.size() > kMaxDnsLabelLength
                      ? "has a label longer than 63 characters"
                      : "has a character other than letters, digits, '-', '_' and '.'" +
                            std::string(label.find('*') != std::string_view::npos
                                            ? " ('*' only as the whole first label: \"*.\")"
                                            : "");
            return false;
        }
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

}  // namespace

bool is_dns_label(std::string_view label) {
    if (label.empty() || label.size() > kMaxDnsLabelLength) return false;
    for (const char c : label) {
        if (!is_label_char(c)) return false;
    }
    return true;
}

std::optional<DomainPattern> parse_domain_pattern(std::string_view text, std::string& why) {
    if (text.empty()) {
        why = "is empty";
        return std::nullopt;
    }
    if (text.size() > kMaxDnsNameLength) {
        why = "is longer than 253 characters";
        return std::nullopt;
    }
    DomainPattern pattern;
    std::string_view name = text;
    if (name.substr(0, 2) == "*.") {
        pattern.wildcard = true;
        name.remove_prefix(2);
        if (name.empty()) {
            why = "has no name after \"*.\"";
            return std::nullopt;
        }
    }
    if (!labels_valid(name, why)) return std::nullopt;
    pattern.name = lowered(name);
    return pattern;
}

std::optional<std::string_view> normalise_server_name(std::string_view sent, NameBuffer& buffer) {
    if (!sent.empty() && sent.back() == '.') sent.remove_suffix(1);
    if (sent.empty() || sent.size() > buffer.size()) return std::nullopt;
    for (std::size_t i = 0; i < sent.size(); ++i) buffer[i] = lower(sent[i]);
    return std::string_view(buffer.data(), sent.size());
}

bool is_ip_literal(std::string_view sent) {
    // inet_pton needs a NUL-terminated string; no address is longer than 45 characters.
    constexpr std::size_t kLongestAddress = 45;
    if (sent.empty() || sent.size() > kLongestAddress) return false;
    char text[kLongestAddress + 1];
    sent.copy(text, sent.size());
    text[sent.size()] = '\0';
    unsigned char address[16];
    return inet_pton(AF_INET, text, address) == 1 || inet_pton(AF_INET6, text, address) == 1;
}

}  // namespace mqauth::sni
