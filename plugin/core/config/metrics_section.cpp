// SPDX-License-Identifier: Apache-2.0
#include "config/metrics_section.h"

#include <arpa/inet.h>

#include <string>

#include "yaml/mapping_reader.h"

namespace mqauth::config {
namespace {

enum class ListenForm { Valid, Ipv6, Invalid };

bool is_address(int family, const std::string& text) {
    unsigned char address[sizeof(in6_addr)];
    return inet_pton(family, text.c_str(), address) == 1;
}

// "HOST:PORT" or "PORT" (on 127.0.0.1). A host name is refused: the endpoint binds an address,
// and resolving a name at every reload would be I/O on the broker's thread. An IPv6 address is
// refused on its own: Debian's civetweb, the endpoint's HTTP server, is built without IPv6.
ListenForm parse_listen(const std::string& text, metrics::MetricsSettings& settings) {
    std::string host = "127.0.0.1";
    std::string port = text;
    if (const auto colon = text.rfind(':'); colon != std::string::npos) {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
            host = host.substr(1, host.size() - 2);
        }
    }
    if (is_address(AF_INET6, host) || is_address(AF_INET6, text)) return ListenForm::Ipv6;
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos) {
        return ListenForm::Invalid;
    }
    const long number = std::stol(port);
    if (number < 1 || number > 65535 || !is_address(AF_INET, host)) return ListenForm::Invalid;
    settings.host = host;
    settings.port = static_cast<std::uint16_t>(number);
    return ListenForm::Valid;
}

std::string listen_error(ListenForm form, const std::string& listen) {
    if (form == ListenForm::Ipv6) {
        return "InvalidParameter: \"" + listen +
               "\" is an IPv6 address: the metrics endpoint listens on IPv4 only (Debian's "
               "civetweb is built without IPv6); 0.0.0.0:PORT listens on every IPv4 address";
    }
    return "InvalidParameter: \"" + listen +
           "\" is not ADDRESS:PORT (an IPv4 address and a port 1..65535), like 127.0.0.1:9234";
}

}  // namespace

void read_metrics(const yaml::YamlNode& section, yaml::Diagnostics& diagnostics,
                  std::optional<metrics::MetricsSettings>& settings) {
    yaml::MappingReader fields(section, "metrics", diagnostics);
    if (!fields.valid()) return;
    metrics::MetricsSettings read;
    bool ok = true;
    if (const auto listen = fields.string("listen", yaml::Presence::Required)) {
        if (const ListenForm form = parse_listen(*listen, read); form != ListenForm::Valid) {
            fields.report("listen", listen_error(form, *listen));
            ok = false;
        }
    } else {
        ok = false;
    }
    if (const auto interval = fields.integer("sys_interval", yaml::Presence::Optional)) {
        if (*interval < 0 || *interval > 86400) {
            fields.report("sys_interval",
                          "InvalidParameter: must be between 0 (no $SYS topics) and 86400 seconds");
            ok = false;
        } else {
            read.sys_interval = std::chrono::seconds(*interval);
        }
    }
    fields.finish();
    if (ok) settings = read;
}

}  // namespace mqauth::config
