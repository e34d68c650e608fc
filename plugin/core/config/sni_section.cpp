// SPDX-License-Identifier: Apache-2.0
#include "config/sni_section.h"

#include <unordered_map>

#include "config/file_paths.h"
#include "config/sni_entries.h"
#include "sni/domain_name.h"
#include "yaml/mapping_reader.h"

namespace mqauth::config {
namespace {

// One `certificates` item, its files not yet read.
struct CertificateEntry {
    std::string id;
    std::string cert_file;  // resolved against the config's directory
    std::string key_file;
    std::optional<crypto::Secret> password;
    std::string password_from;  // empty: key_password; else the sni_config entry that gave it
    Place id_place;
    Place cert_place;
    Place key_place;
    bool complete = false;  // every field valid, so the files are worth loading
};

using CertificateEntries = std::vector<CertificateEntry>;

// Letters, digits, '.', '_' and '-': enough for ids such as ApsaraMQ's "1533xxxx-cn-hangzhou",
// and never a '#' or ';' that the sni_config string form could not carry.
bool valid_certificate_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxCertificateIdChars) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::optional<std::string> read_path(yaml::MappingReader& fields, std::string_view key,
                                     const std::string& base_dir) {
    auto path = fields.string(key, yaml::Presence::Required);
    if (path && path->empty()) {
        fields.report(key, "InvalidParameter: must not be empty");
        return std::nullopt;
    }
    if (!path) return std::nullopt;
    return resolve_path(base_dir, *path);
}

std::optional<CertificateEntry> read_certificate_entry(yaml::MappingReader& fields,
                                                       const std::string& base_dir) {
    CertificateEntry entry;
    auto id = fields.string("certificate_id", yaml::Presence::Required);
    if (id && !valid_certificate_id(*id)) {
        fields.report("certificate_id",
                      "InvalidParameter: must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    auto cert_file = read_path(fields, "cert_file", base_dir);
    auto key_file = read_path(fields, "key_file", base_dir);
    auto password = fields.string("key_password", yaml::Presence::Optional);
    const bool password_ok = password || !fields.has("key_password");
    entry.id_place = place_of(fields, "certificate_id");
    entry.cert_place = place_of(fields, "cert_file");
    entry.key_place = place_of(fields, "key_file");
    fields.finish();
    if (!id) return std::nullopt;  // nothing can refer to it

    entry.complete = valid_certificate_id(*id) && cert_file && key_file && password_ok;
    entry.id = std::move(*id);
    entry.cert_file = cert_file.value_or("");
    entry.key_file = key_file.value_or("");
    // key_password: "" means an unencrypted key, as if it were not there.
    if (password && !password->empty()) entry.password.emplace(std::move(*password));
    return entry;
}

// nullopt when there is no list to read: ids can then not be checked against it.
std::optional<CertificateEntries> read_certificate_entries(yaml::MappingReader& section,
                                                           const std::string& base_dir,
                                                           yaml::Diagnostics& diagnostics) {
    const yaml::YamlNode* list = section.sequence("certificates", yaml::Presence::Required);
    if (!list) return std::nullopt;
    CertificateEntries entries;
    if (list->items.empty()) {
        section.report("certificates", "MissingParameter: at least one certificate is required");
    }
    std::unordered_map<std::string, int> first_line;
    for (std::size_t i = 0; i < list->items.size(); ++i) {
        yaml::MappingReader fields(list->items[i],
                                   section.path_of("certificates") + "[" + std::to_string(i) + "]",
                                   diagnostics);
        if (!fields.valid()) continue;
        auto entry = read_certificate_entry(fields, base_dir);
        if (!entry) continue;
        const auto [seen, added] = first_line.emplace(entry->id, entry->id_place.position.line);
        if (!added) {
            fields.report("certificate_id", "InvalidParameter: duplicate certificate_id: \"" +
                                                entry->id + "\" is already defined at line " +
                                                std::to_string(seen->second));
            continue;
        }
        entries.push_back(std::move(*entry));
    }
    return entries;
}

CertificateEntry* find_entry(CertificateEntries& entries, std::string_view id) {
    for (CertificateEntry& entry : entries) {
        if (entry.id == id) return &entry;
    }
    return nullptr;
}

// In the string form the password belongs to a domain entry, but a key has one password: it is
// that certificate's key_password. Every entry naming the certificate must agree with the others
// and with key_password.
void apply_entry_passwords(const std::vector<DomainEntry>& domains, CertificateEntries& entries,
                           yaml::Diagnostics& diagnostics) {
    for (const DomainEntry& domain : domains) {
        CertificateEntry* certificate = find_entry(entries, domain.certificate_id);
        if (!domain.password || !certificate) continue;  // an unknown id is reported later
        if (!certificate->password) {
            certificate->password = domain.password;
            certificate->password_from = domain.where;
        } else if (certificate->password->reveal() != domain.password->reveal()) {
            diagnostics.error(domain.id_place.position, domain.id_place.path,
                              "InvalidParameter: " + domain.label + "the password for \"" +
                                  certificate->id + "\" differs from " +
                                  (certificate->password_from.empty()
                                       ? "its key_password"
                                       : "the one in " + certificate->password_from));
        }
    }
}

void report_load_error(const CertificateEntry& entry, const sni::CertificateLoad& load,
                       yaml::Diagnostics& diagnostics) {
    const bool key = load.culprit == sni::CertificateLoad::Culprit::KeyFile;
    const Place& place = key ? entry.key_place : entry.cert_place;
    std::string message = "InvalidParameter: " + load.error;
    if (key && !entry.password_from.empty()) {
        message += " (its password is the one in " + entry.password_from + ")";
    }
    diagnostics.error(place.position, place.path, std::move(message));
}

void load_certificates(const CertificateEntries& entries, yaml::Diagnostics& diagnostics,
                       std::vector<yaml::Diagnostic>& warnings, sni::CertificateSet& set) {
    for (const CertificateEntry& entry : entries) {
        if (!entry.complete) continue;
        sni::CertificateLoad load =
            sni::load_server_certificate(entry.id, entry.cert_file, entry.key_file,
                                         entry.password ? entry.password->reveal() : "");
        if (!load.certificate) {
            report_load_error(entry, load, diagnostics);
            continue;
        }
        if (auto problem = sni::validity_problem(*load.certificate)) {
            warnings.push_back({entry.cert_place.position, entry.cert_place.path,
                                "certificate \"" + entry.id + "\" " + *problem +
                                    ": clients that check dates will refuse it"});
        }
        set.add_certificate(std::move(*load.certificate));
    }
}

void report_unknown_id(const Place& place, const std::string& label, const std::string& id,
                       yaml::Diagnostics& diagnostics) {
    diagnostics.error(
        place.position, place.path,
        "InvalidParameter: " + label + "no certificate has certificate_id \"" + id + "\"");
}

void apply_default(const std::optional<std::string>& id, const Place& place,
                   CertificateEntries& entries, yaml::Diagnostics& diagnostics,
                   sni::CertificateSet& set) {
    if (!id) return;  // reported as missing
    if (!find_entry(entries, *id)) {
        report_unknown_id(place, "", *id, diagnostics);
        return;
    }
    set.set_default(*id);  // fails only when its files did not load, which is reported already
}

void map_domains(const std::vector<DomainEntry>& domains, CertificateEntries& entries,
                 yaml::Diagnostics& diagnostics, sni::CertificateSet& set) {
    std::unordered_map<std::string, std::string> first_seen;  // "*.name" or "name" -> where
    for (const DomainEntry& domain : domains) {
        std::string why;
        const auto pattern = sni::parse_domain_pattern(domain.domain, why);
        if (!pattern) {
            diagnostics.error(
                domain.domain_place.position, domain.domain_place.path,
                "InvalidParameter: " + domain.label + "\"" + domain.domain + "\" " + why);
            continue;
        }
        if (!find_entry(entries, domain.certificate_id)) {
            report_unknown_id(domain.id_place, domain.label, domain.certificate_id, diagnostics);
            continue;
        }
        const std::string key = (pattern->wildcard ? "*." : "") + pattern->name;
        const auto [seen, added] = first_seen.emplace(key, domain.where);
        if (!added) {
            diagnostics.error(domain.domain_place.position, domain.domain_place.path,
                              "InvalidParameter: " + domain.label + "duplicate domain: \"" + key +
                                  "\" is already mapped at " + seen->second);
            continue;
        }
        set.add_domain(*pattern, domain.certificate_id);  // skipped if its files did not load
    }
}

}  // namespace

void read_sni(const yaml::YamlNode& node, const std::string& base_dir,
              yaml::Diagnostics& diagnostics, std::vector<yaml::Diagnostic>& warnings,
              std::optional<sni::CertificateSet>& out) {
    yaml::MappingReader section(node, "sni", diagnostics);
    if (!section.valid()) return;
    const std::size_t errors_before = diagnostics.errors().size();
    auto entries = read_certificate_entries(section, base_dir, diagnostics);
    const auto default_id = section.string("default_certificate", yaml::Presence::Required);
    const Place default_place = place_of(section, "default_certificate");
    const std::vector<DomainEntry> domains = read_domain_entries(section, diagnostics);
    section.finish();
    if (!entries) return;  // reported; every id would be "unknown" now

    apply_entry_passwords(domains, *entries, diagnostics);
    sni::CertificateSet set;
    load_certificates(*entries, diagnostics, warnings, set);
    apply_default(default_id, default_place, *entries, diagnostics, set);
    map_domains(domains, *entries, diagnostics, set);
    if (diagnostics.errors().size() == errors_before) out = std::move(set);
}

}  // namespace mqauth::config
