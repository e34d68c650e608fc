// SPDX-License-Identifier: Apache-2.0
#include "editing/device_state_edit.h"

#include <utility>

#include "certs/serial_number.h"
#include "editing/config_document.h"
#include "yaml/yaml_tree.h"

namespace mqauth::editing {
namespace {

using certs::DeviceStatus;
using certs::StateKey;

constexpr const char* kSection = "device_certificates";
constexpr const char* kStatesPath = "device_certificates.states";
const KeyPath kStates{kSection, "states"};

// ---- Reading the states -------------------------------------------------------------------

const yaml::YamlNode* scalar_field(const yaml::YamlNode& mapping, std::string_view key) {
    const yaml::YamlEntry* entry = find_entry(mapping, key);
    return entry && entry->value.is_scalar() ? &entry->value : nullptr;
}

// The device an item names: its serial and either its issuer or its CA's serial.
std::optional<StateKey> read_state_key(const yaml::YamlNode& item) {
    const yaml::YamlNode* device_sn = scalar_field(item, "device_sn");
    const yaml::YamlNode* issuer = scalar_field(item, "issuer");
    const yaml::YamlNode* ca_sn = scalar_field(item, "ca_sn");
    if (!device_sn || (issuer != nullptr) == (ca_sn != nullptr)) return std::nullopt;
    auto device = certs::canonical_serial(device_sn->scalar);
    if (!device) return std::nullopt;
    if (issuer) return StateKey{std::move(*device), issuer->scalar, ""};
    auto ca = certs::canonical_serial(ca_sn->scalar);
    if (!ca) return std::nullopt;
    return StateKey{std::move(*device), "", std::move(*ca)};
}

std::optional<RecordedState> read_state(const yaml::YamlNode& item) {
    auto key = read_state_key(item);
    const yaml::YamlNode* status = scalar_field(item, "status");
    if (!key || !status) return std::nullopt;
    const auto decided = registry::status_named(status->scalar);
    if (!decided) return std::nullopt;
    return RecordedState{std::move(*key), *decided, status->position.line};
}

// Every item, or the first one that is not a valid state (the loader says exactly why).
StatesReading read_states(const yaml::YamlNode& list) {
    StatesReading reading;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        auto state = read_state(list.items[i]);
        if (!state) {
            reading.error = yaml::Diagnostic{
                list.items[i].position, std::string(kStatesPath) + "[" + std::to_string(i) + "]",
                "InvalidParameter: not a state with a hex device_sn, an issuer or a "
                "ca_sn, and a status (mqauth check says more)"};
            reading.states.clear();
            return reading;
        }
        reading.states.push_back(std::move(*state));
    }
    return reading;
}

StatesReading states_in(const yaml::YamlNode& root) {
    const yaml::YamlEntry* section = find_entry(root, kSection);
    const yaml::YamlEntry* states = section ? find_entry(section->value, "states") : nullptr;
    if (!states || !states->value.is_sequence()) return {};
    return read_states(states->value);
}

// ---- Writing ------------------------------------------------------------------------------

// Serials and the issuer are written double-quoted: a serial may look like a number, and an
// issuer's RFC 2253 escapes are backslashes, which a plain scalar could not hold.
Fields state_fields(const StateKey& key, DeviceStatus status) {
    return {{"device_sn", quoted_scalar(key.device_sn)},
            key.by_issuer() ? Field{"issuer", quoted_scalar(key.issuer)}
                            : Field{"ca_sn", quoted_scalar(key.ca_sn)},
            {"status", plain_scalar(std::string(registry::status_name(status)))}};
}

// The line of the key's status in the edited text (for the operator's message).
int status_line(const std::string& text, const StateKey& key) {
    for (const RecordedState& state : read_recorded_states(text).states) {
        if (state.key == key) return state.status_line;
    }
    return 0;
}

StateEditResult finished(TextEditResult result, const StateKey& key, StateChange change,
                         std::optional<DeviceStatus> previous) {
    if (!result.edit) return {std::nullopt, result.error};
    const int line = status_line(result.edit->text, key);
    return {StateEdit{std::move(result.edit->text), change, previous, line}, std::nullopt};
}

yaml::Diagnostic no_section(yaml::SourcePosition position) {
    return yaml::Diagnostic{position, kSection,
                            "MissingParameter: the config has no device_certificates section (with "
                            "registry) to record device states in"};
}

}  // namespace

StatesReading read_recorded_states(std::string_view text) {
    yaml::YamlParseResult parsed = yaml::parse_yaml(text);
    if (parsed.error) return {{}, parsed.error};
    return states_in(*parsed.root);
}

StateEditResult record_device_state(std::string_view text, const StateKey& key,
                                    DeviceStatus status) {
    yaml::Diagnostic error;
    const auto document = ConfigDocument::parse(std::string(text), error);
    if (!document) return {std::nullopt, error};
    const yaml::YamlEntry* section = find_entry(document->root(), kSection);
    if (!section || !section->value.is_mapping()) {
        return {std::nullopt, no_section(section ? section->key_position : yaml::SourcePosition{})};
    }
    const yaml::YamlNode* states = document->find(kStates);
    if (states && !states->is_sequence() && !states->is_null()) {
        return {std::nullopt,
                yaml::Diagnostic{states->position, kStatesPath,
                                 "InvalidParameter: expected a list (mqauth check says more)"}};
    }
    const StatesReading reading = states ? read_states(*states) : StatesReading{};
    if (reading.error) return {std::nullopt, reading.error};
    for (std::size_t i = 0; i < reading.states.size(); ++i) {
        const RecordedState& recorded = reading.states[i];
        if (!(recorded.key == key)) continue;
        if (recorded.status == status) {
            return {StateEdit{std::string(text), StateChange::AlreadyRecorded, status,
                              recorded.status_line},
                    std::nullopt};
        }
        return finished(
            document->set_item_fields(
                kStates, i, {{"status", plain_scalar(std::string(registry::status_name(status)))}}),
            key, StateChange::Replaced, recorded.status);
    }
    return finished(document->append_item(kStates, state_fields(key, status)), key,
                    StateChange::Appended, std::nullopt);
}

}  // namespace mqauth::editing
