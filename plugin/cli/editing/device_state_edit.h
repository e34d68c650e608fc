// SPDX-License-Identifier: Apache-2.0
#pragma once
// Recording an operator's device-certificate decision (`mqauth devices activate|deactivate|revoke`,
// ApsaraMQ for MQTT's ActiveDeviceCertificate and its siblings) in `device_certificates.states` by
// editing the config's TEXT rather than re-emitting its tree: an emitter would drop every comment
// and reflow the layout the operator chose. Only a status token, or a new item (and `states:` key)
// in the style of its neighbours, is written; every other byte stays as it was.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certs/device_states.h"
#include "yaml/diagnostic.h"

namespace mqauth::editing {

// One entry of device_certificates.states as the file writes it.
struct RecordedState {
    certs::StateKey key;  // canonical serials
    certs::DeviceStatus status = certs::DeviceStatus::Active;
    int status_line = 0;  // 1-based line of its status value
};

struct StatesReading {
    std::vector<RecordedState> states;      // in file order; empty without the section
    std::optional<yaml::Diagnostic> error;  // the text is not YAML, or an entry is malformed
};

// The operator states in file order (DeviceStates keeps them unordered, and `mqauth devices list`
// shows them as written).
StatesReading read_recorded_states(std::string_view text);

enum class StateChange {
    AlreadyRecorded,  // the same decision is in the file: nothing to write
    Replaced,         // an entry for the device had another status; that value was replaced
    Appended,         // a new item at the end of `states` (the key added first when missing)
};

struct StateEdit {
    std::string text;  // the whole edited config; the input itself when AlreadyRecorded
    StateChange change = StateChange::AlreadyRecorded;
    std::optional<certs::DeviceStatus> previous;  // the status it replaced
    int line = 0;                                 // 1-based line of the decision's status in `text`
};

struct StateEditResult {
    std::optional<StateEdit> edit;
    std::optional<yaml::Diagnostic> error;  // positioned: why the text cannot be edited safely
};

// Records `status` for `key` (canonical serials, see certs::canonical_serial): an entry naming
// the device the same way (by issuer, or by ca_sn) gets its status replaced. The edited text
// re-parses to the same states with exactly this decision changed or added; a layout that cannot
// be edited with that guarantee (a new item in a flow-style `[...]` or `{...}` section, ...) is an
// error that asks for a hand edit. Without a device_certificates mapping it is an error too.
StateEditResult record_device_state(std::string_view text, const certs::StateKey& key,
                                    certs::DeviceStatus status);

}  // namespace mqauth::editing
