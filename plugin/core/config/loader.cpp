// SPDX-License-Identifier: Apache-2.0
#include "config/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config/authorizers_section.h"
#include "config/certificates_section.h"
#include "config/identities_section.h"
#include "config/metrics_section.h"
#include "config/permissions_section.h"
#include "config/sasl_users_section.h"
#include "config/sni_section.h"
#include "config/throttling_section.h"
#include "io/paths.h"
#include "io/regular_file.h"
#include "yaml/mapping_reader.h"
#include "yaml/yaml_tree.h"

namespace mqauth::config {
namespace {

constexpr long long kSupportedVersion = 1;

// YAML cannot hold a NUL byte, and yaml-cpp's reader stops at one: refuse it with its place.
std::optional<yaml::Diagnostic> find_nul_byte(std::string_view text) {
    const auto at = text.find('\0');
    if (at == std::string_view::npos) return std::nullopt;
    yaml::SourcePosition position{1, 1};
    for (std::size_t i = 0; i < at; ++i) {
        position.column = text[i] == '\n' ? 1 : position.column + 1;
        position.line += text[i] == '\n' ? 1 : 0;
    }
    return yaml::Diagnostic{position, "",
                            "InvalidParameter: the file holds a NUL byte (not YAML text)"};
}

void read_version(yaml::MappingReader& top) {
    const auto version = top.integer("version", yaml::Presence::Required);
    if (version && *version != kSupportedVersion) {
        top.report("version", "InvalidParameter: unsupported version " + std::to_string(*version) +
                                  " (this mqauth reads version 1)");
    }
}

// Without a permissions section every publish and subscribe is denied: legal, but surprising.
yaml::Diagnostic missing_permissions_warning() {
    return {{1, 1},
            "permissions",
            "no permissions section: every PUBLISH and SUBSCRIBE is denied "
            "(permissions.no_match defaults to DENY)"};
}

// A CLIENT identity proves its own client id; a SIGNED password, a device certificate bound to
// its CN and an authorizer's decision prove whatever client id the client uses.
bool client_id_provable(const Policy& policy, std::string_view client_id) {
    return policy.identities.reserves_client_id(client_id) ||
           policy.identities.has_signed_identities() ||
           (policy.certificates.configured() && policy.certificates.bind_client_id_to_cn) ||
           !policy.authorizers.all().empty();
}

void read_certificates(yaml::MappingReader& top, const std::string& base_dir,
                       yaml::Diagnostics& diagnostics, certs::CertificatePolicy& certificates) {
    yaml::SourcePosition list_position = top.position();
    if (const yaml::YamlNode* list = top.sequence("ca_certificates", yaml::Presence::Optional)) {
        list_position = list->position;
        read_ca_certificates(*list, base_dir, diagnostics, certificates);
    }
    const bool written = top.has("device_certificates");
    const yaml::YamlNode* devices = top.mapping("device_certificates", yaml::Presence::Optional);
    if (written && !devices) return;  // not a mapping: already reported
    read_device_certificates(devices, base_dir, list_position, diagnostics, certificates);
}

void read_policy(const yaml::YamlNode& root, const std::string& base_dir,
                 yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
                 Policy& policy) {
    yaml::MappingReader top(root, "", diagnostics);
    if (!top.valid()) return;
    read_version(top);
    if (auto anonymous = top.enumeration<AnonymousAccess>(
            "anonymous", {{"deny", AnonymousAccess::Deny}, {"allow", AnonymousAccess::Allow}},
            yaml::Presence::Optional)) {
        policy.anonymous = *anonymous;
    }
    if (auto unknown = top.enumeration<UnknownUsernames>(
            "unknown_usernames",
            {{"refuse", UnknownUsernames::Refuse}, {"next_plugin", UnknownUsernames::NextPlugin}},
            yaml::Presence::Optional)) {
        policy.unknown_usernames = *unknown;
    }
    if (const yaml::YamlNode* list = top.sequence("identities", yaml::Presence::Optional)) {
        read_identities(*list, base_dir, diagnostics, policy.identities);
    }
    if (const yaml::YamlNode* list = top.sequence("sasl_users", yaml::Presence::Optional)) {
        read_sasl_users(*list, policy.identities, diagnostics, warnings, policy.sasl_users);
    }
    read_certificates(top, base_dir, diagnostics, policy.certificates);
    if (const yaml::YamlNode* section = top.mapping("throttling", yaml::Presence::Optional)) {
        read_throttling(*section, diagnostics, policy.throttling);
    }
    if (const yaml::YamlNode* section = top.mapping("metrics", yaml::Presence::Optional)) {
        read_metrics(*section, diagnostics, policy.metrics);
    }
    if (const yaml::YamlNode* list = top.sequence("authorizers", yaml::Presence::Optional)) {
        read_authorizers(*list, base_dir, diagnostics, policy.authorizers);
    }
    if (const yaml::YamlNode* section = top.find("permissions"); section && !section->is_null()) {
        const ClientIdProvable provable = [&policy](std::string_view client_id) {
            return client_id_provable(policy, client_id);
        };
        read_permissions(*section, provable, diagnostics, warnings, policy.permissions);
    } else {
        warnings.push_back(missing_permissions_warning());
    }
    if (const yaml::YamlNode* section = top.mapping("sni", yaml::Presence::Optional)) {
        read_sni(*section, base_dir, diagnostics, warnings, policy.sni);
    }
    top.finish();
}

LoadResult failure(const std::string& file, yaml::Diagnostic diagnostic) {
    LoadResult result;
    result.file = file;
    result.errors.push_back(std::move(diagnostic));
    return result;
}

std::vector<std::string> format_all(const std::string& file,
                                    const std::vector<yaml::Diagnostic>& diagnostics) {
    std::vector<std::string> lines;
    lines.reserve(diagnostics.size());
    for (const yaml::Diagnostic& diagnostic : diagnostics) {
        lines.push_back(yaml::format_diagnostic(file, diagnostic));
    }
    return lines;
}

}  // namespace

std::vector<std::string> LoadResult::formatted_errors() const {
    return format_all(file, errors);
}

std::vector<std::string> LoadResult::formatted_warnings() const {
    return format_all(file, warnings);
}

LoadResult load_text(std::string_view text, const std::string& file_name,
                     const std::string& base_dir) {
    if (auto nul = find_nul_byte(text)) return failure(file_name, *nul);
    yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error) return failure(file_name, *parsed.error);

    auto policy = std::make_shared<Policy>();
    policy->source = file_name;
    yaml::Diagnostics diagnostics;
    LoadResult result;
    result.file = file_name;
    if (parsed.root->is_null()) {
        diagnostics.error({1, 1}, "", "MissingParameter: the file is empty (it needs version: 1)");
    } else {
        read_policy(*parsed.root, base_dir, diagnostics, result.warnings, *policy);
    }

    if (diagnostics.empty()) {
        result.policy = std::move(policy);
    } else {
        result.errors = diagnostics.take();
    }
    return result;
}

LoadResult load_file(const std::string& path) {
    io::FileRead file = io::read_regular_file(path, io::kMaxConfigBytes);
    switch (file.problem) {
        case io::FileProblem::None: return load_text(*file.text, path, io::directory_of(path));
        case io::FileProblem::CannotOpen:
            return failure(path, {{}, "", "cannot open: " + file.error});
        case io::FileProblem::TooLarge:
            return failure(path, {{}, "", "InvalidParameter: the file is " + file.error});
        case io::FileProblem::NotRegular:
        case io::FileProblem::CannotRead: break;
    }
    return failure(path, {{}, "", "cannot read: " + file.error});
}

}  // namespace mqauth::config
