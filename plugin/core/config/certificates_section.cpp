// SPDX-License-Identifier: Apache-2.0
#include "config/certificates_section.h"

#include <unordered_map>

#include <openssl/x509v3.h>

#include "certs/serial_number.h"
#include "config/file_paths.h"
#include "config/registry_section.h"
#include "crypto/pem.h"
#include "yaml/mapping_reader.h"
#include "yaml/text_rules.h"

namespace mqauth::config {
namespace {

using certs::CaStatus;
using certs::CertificateAuthority;
using certs::DeviceStatus;

// RFC 5280 sets no limit on a name; a DN this long is a mistake.
constexpr std::size_t kMaxIssuerBytes = 4096;

constexpr const char* kRegistryFileMoved =
    "the YAML registry file was replaced by `registry: {sqlite: FILE}` (or postgresql); set "
    "registry, then move the registered devices over with `mqauth devices import --config "
    "THIS_FILE --from OLD_REGISTRY_FILE` (README: \"Moving from registry_file\")";

std::string item_path(const char* list, std::size_t index) {
    return std::string(list) + "[" + std::to_string(index) + "]";
}

// The CA certificate from `file`: exactly one certificate, and a CA one (basicConstraints
// CA:TRUE, or a v1 self-signed root), since it anchors device chains.
crypto::X509Ptr read_ca_file(yaml::MappingReader& fields, const std::string& base_dir) {
    const auto file = fields.string("file", yaml::Presence::Required);
    if (!file) return nullptr;
    crypto::CertificateFile loaded = crypto::read_certificates(resolve_path(base_dir, *file));
    if (!loaded.error.empty()) {
        fields.report("file", "InvalidParameter: " + loaded.error);
        return nullptr;
    }
    if (loaded.certificates.size() != 1) {
        fields.report("file", "InvalidParameter: holds " +
                                  std::to_string(loaded.certificates.size()) +
                                  " certificates; list each CA as its own entry");
        return nullptr;
    }
    if (X509_check_ca(loaded.certificates.front().get()) < 1) {
        fields.report("file", "InvalidParameter: not a CA certificate (no CA:TRUE constraint)");
        return nullptr;
    }
    return std::move(loaded.certificates.front());
}

std::optional<std::string> read_ca_name(yaml::MappingReader& fields) {
    auto name = fields.string("ca_name", yaml::Presence::Required);
    if (name && !yaml::text_length_within(*name, 1, kMaxCaNameChars)) {
        fields.report("ca_name", "InvalidParameter: must be 1 to 128 characters");
        return std::nullopt;
    }
    return name;
}

std::optional<CertificateAuthority> read_ca(const yaml::YamlNode& node, const std::string& path,
                                            const std::string& base_dir,
                                            yaml::Diagnostics& diagnostics) {
    yaml::MappingReader fields(node, path, diagnostics);
    if (!fields.valid()) return std::nullopt;
    auto name = read_ca_name(fields);
    crypto::X509Ptr certificate = read_ca_file(fields, base_dir);
    const auto status = fields.enumeration<CaStatus>(
        "status", {{"ACTIVE", CaStatus::Active}, {"INACTIVE", CaStatus::Inactive}},
        yaml::Presence::Optional);
    const bool status_ok = status || !fields.has("status");
    fields.finish();
    if (!name || !certificate || !status_ok) return std::nullopt;
    CertificateAuthority authority;
    authority.name = *name;
    authority.serial = certs::serial_of(certificate.get());
    authority.status = status.value_or(CaStatus::Active);
    authority.certificate = std::move(certificate);
    return authority;
}

std::optional<std::string> read_serial(yaml::MappingReader& fields, const char* key) {
    const auto text = fields.string(key, yaml::Presence::Required);
    if (!text) return std::nullopt;
    auto serial = certs::canonical_serial(*text);
    if (!serial) {
        fields.report(key,
                      "InvalidParameter: a serial number in hex, as `openssl x509 -serial` "
                      "prints it (at most 128 bytes)");
    }
    return serial;
}

// The issuer as `openssl x509 -noout -issuer -nameopt RFC2253` prints it (the registry's own
// spelling; compared exactly).
std::optional<std::string> read_issuer(yaml::MappingReader& fields) {
    auto issuer = fields.string("issuer", yaml::Presence::Optional);
    if (issuer &&
        (issuer->empty() || issuer->size() > kMaxIssuerBytes || !yaml::is_valid_utf8(*issuer))) {
        fields.report("issuer",
                      "InvalidParameter: the issuer's name in RFC 2253 form, as "
                      "`openssl x509 -noout -issuer -nameopt RFC2253` prints it");
        return std::nullopt;
    }
    return issuer;
}

// A device is named by its serial and either its issuer or (the form from before devices were
// keyed by issuer) the serial of the listed CA its chain leads to.
std::optional<certs::StateKey> read_state_key(yaml::MappingReader& fields) {
    auto device_sn = read_serial(fields, "device_sn");
    const bool by_issuer = fields.has("issuer");
    const bool by_ca = fields.has("ca_sn");
    if (by_issuer == by_ca) {
        fields.report_here(by_issuer ? "InvalidParameter: give only one of issuer and ca_sn"
                                     : "MissingParameter: issuer (or ca_sn) is required");
        return std::nullopt;
    }
    certs::StateKey key;
    if (by_issuer) {
        auto issuer = read_issuer(fields);
        if (!issuer) return std::nullopt;
        key.issuer = std::move(*issuer);
    } else {
        auto ca_sn = read_serial(fields, "ca_sn");
        if (!ca_sn) return std::nullopt;
        key.ca_sn = std::move(*ca_sn);
    }
    if (!device_sn) return std::nullopt;
    key.device_sn = std::move(*device_sn);
    return key;
}

void read_state(const yaml::YamlNode& node, const std::string& path, yaml::Diagnostics& diagnostics,
                certs::DeviceStates& states) {
    yaml::MappingReader fields(node, path, diagnostics);
    if (!fields.valid()) return;
    auto key = read_state_key(fields);
    const auto status = fields.enumeration<DeviceStatus>("status",
                                                         {{"ACTIVE", DeviceStatus::Active},
                                                          {"INACTIVE", DeviceStatus::Inactive},
                                                          {"REVOKED", DeviceStatus::Revoked}},
                                                         yaml::Presence::Required);
    fields.finish();
    if (!key || !status) return;
    if (!states.decide(*key, *status)) {
        diagnostics.error(
            fields.position(), path,
            "InvalidParameter: " + certs::describe(*key) + " already has a state above");
    }
}

void read_states(const yaml::YamlNode& list, yaml::Diagnostics& diagnostics,
                 certs::DeviceStates& states) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        read_state(list.items[i], "device_certificates.states[" + std::to_string(i) + "]",
                   diagnostics, states);
    }
}

}  // namespace

void read_ca_certificates(const yaml::YamlNode& list, const std::string& base_dir,
                          yaml::Diagnostics& diagnostics, certs::CertificatePolicy& policy) {
    std::unordered_map<std::string, std::string> names_by_serial;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        const std::string path = item_path("ca_certificates", i);
        auto authority = read_ca(list.items[i], path, base_dir, diagnostics);
        if (!authority) continue;
        if (policy.authorities.find_by_name(authority->name)) {
            diagnostics.error(
                list.items[i].position, path + ".ca_name",
                "InvalidParameter: ca_name \"" + authority->name + "\" is listed twice");
            continue;
        }
        // Devices are named by (device_sn, ca_sn): two CAs with one serial would be ambiguous.
        const auto [known, fresh] = names_by_serial.emplace(authority->serial, authority->name);
        if (!fresh) {
            diagnostics.error(list.items[i].position, path + ".file",
                              "InvalidParameter: a CA with serial " + authority->serial +
                                  " is already listed as \"" + known->second + "\"");
            continue;
        }
        policy.authorities.add(std::move(*authority));
    }
}

void read_device_certificates(const yaml::YamlNode* section, const std::string& base_dir,
                              yaml::SourcePosition ca_list_position, yaml::Diagnostics& diagnostics,
                              certs::CertificatePolicy& policy) {
    if (!section || section->is_null()) {
        if (policy.configured()) {
            diagnostics.error(ca_list_position, "device_certificates.registry",
                              "MissingParameter: listed CAs need device_certificates.registry "
                              "(where first-seen certificates are registered)");
        }
        return;
    }
    yaml::MappingReader fields(*section, "device_certificates", diagnostics);
    if (!fields.valid()) return;
    if (fields.has("registry_file")) {
        fields.report("registry_file", std::string("InvalidParameter: ") + kRegistryFileMoved);
    } else if (const yaml::YamlNode* registry =
                   fields.mapping("registry", yaml::Presence::Required)) {
        policy.registry =
            read_registry(*registry, fields.path_of("registry"), base_dir, diagnostics);
    }
    policy.bind_client_id_to_cn =
        fields.boolean("bind_client_id_to_cn", yaml::Presence::Optional).value_or(false);
    if (const yaml::YamlNode* states = fields.sequence("states", yaml::Presence::Optional)) {
        read_states(*states, diagnostics, policy.states);
    }
    fields.finish();
}

}  // namespace mqauth::config
