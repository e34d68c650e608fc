// SPDX-License-Identifier: Apache-2.0
#pragma once
// DNS names as SNI compares them: ASCII, case-insensitive, at most 253 characters (RFC 1035's
// limit on a name's text form). Patterns come from the config; server names come from clients.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mqauth::sni {

inline constexpr std::size_t kMaxDnsNameLength = 253;
inline constexpr std::size_t kMaxDnsLabelLength = 63;

// A `domains[].domain` value: an exact name, or "*." and a name, which matches every name of
// exactly one more label (RFC 6125 section 6.4.3: the wildcard never spans a dot).
struct DomainPattern {
    bool wildcard = false;
    std::string name;  // lower-cased; without the leading "*." of a wildcard
};

// nullopt, with `why` set, when `text` is no valid pattern: labels of 1 to 63 letters, digits,
// '-' or '_', separated by single dots, at most 253 characters in all, no trailing dot, and '*'
// only as the whole first label of a pattern with at least one more label.
std::optional<DomainPattern> parse_domain_pattern(std::string_view text, std::string& why);

// One label of a name: 1 to 63 letters, digits, '-' or '_' (either case).
bool is_dns_label(std::string_view label);

// True for an IPv4 or IPv6 address in text form. RFC 6066 section 3 forbids IP literals in SNI,
// yet libmosquitto clients send whatever host they were given (`-h 127.0.0.1`): such a "server
// name" names no host, so it is treated as none.
bool is_ip_literal(std::string_view sent);

// Room for a lower-cased name on the stack: selecting a certificate allocates nothing.
using NameBuffer = std::array<char, kMaxDnsNameLength>;

// The name a client sent, lower-cased into `buffer`, with one trailing dot dropped (the absolute
// form "example.com." names the same host). nullopt when nothing is left or the name is longer
// than any DNS name, so it can match no pattern.
std::optional<std::string_view> normalise_server_name(std::string_view sent, NameBuffer& buffer);

}  // namespace mqauth::sni
