// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"
#include "editing/device_state_edit.h"

using namespace mqauth;
using namespace mqauth::editing;
using certs::DeviceStatus;
using certs::StateKey;
using mqauth::config::load_text;
using mqauth::config::LoadResult;

namespace {

const StateKey kDevice{"1A2B", "", "7F00"};
const StateKey kOther{"C0FFEE", "", "7F00"};

// The edit of `text`, which must succeed; its result must also load as a valid config.
StateEdit edited(const std::string& text, const StateKey& key, DeviceStatus status) {
    const StateEditResult result = record_device_state(text, key, status);
    EXPECT_FALSE(result.error) << (result.error
                                       ? yaml::format_diagnostic("auth.yaml", *result.error)
                                       : "");
    if (!result.edit) return {};
    const LoadResult loaded = load_text(result.edit->text, "auth.yaml", ".");
    EXPECT_TRUE(loaded.ok()) << result.edit->text << "\n"
                             << (loaded.ok() ? "" : loaded.formatted_errors().front());
    if (loaded.ok()) {
        EXPECT_EQ(loaded.policy->certificates.states.decision(key), status) << result.edit->text;
    }
    return *result.edit;
}

std::string refusal(const std::string& text, const StateKey& key, DeviceStatus status) {
    const StateEditResult result = record_device_state(text, key, status);
    EXPECT_FALSE(result.edit) << result.edit->text;
    return result.error ? yaml::format_diagnostic("auth.yaml", *result.error) : "";
}

}  // namespace

TEST(DeviceStateEdit, ReplacesTheStatusInPlaceKeepingItsComment) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - device_sn: \"1A2B\"   # the lobby sensor\n"
        "      ca_sn: \"7F00\"\n"
        "      status: ACTIVE   # until the audit\n";
    const StateEdit edit = edited(text, kDevice, DeviceStatus::Revoked);
    EXPECT_EQ(edit.text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    - device_sn: \"1A2B\"   # the lobby sensor\n"
              "      ca_sn: \"7F00\"\n"
              "      status: REVOKED   # until the audit\n");
    EXPECT_EQ(edit.change, StateChange::Replaced);
    EXPECT_EQ(edit.previous, DeviceStatus::Active);
    EXPECT_EQ(edit.line, 7);
}

TEST(DeviceStateEdit, ReplacesAQuotedStatusKeepingItsQuotes) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - {device_sn: '1A2B', ca_sn: '7F00', status: 'INACTIVE'}\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Active).text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    - {device_sn: '1A2B', ca_sn: '7F00', status: 'ACTIVE'}\n");
}

TEST(DeviceStateEdit, LowerCaseAndLeadingZeroSerialsNameTheSameEntry) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - device_sn: 001a2b\n"
        "      ca_sn: \"7f00\"\n"
        "      status: ACTIVE\n";
    const StateEdit edit = edited(text, kDevice, DeviceStatus::Inactive);
    EXPECT_EQ(edit.change, StateChange::Replaced);
    EXPECT_EQ(edit.text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    - device_sn: 001a2b\n"
              "      ca_sn: \"7f00\"\n"
              "      status: INACTIVE\n");
}

TEST(DeviceStateEdit, TheSameDecisionAgainChangesNothing) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - device_sn: \"1A2B\"\n"
        "      ca_sn: \"7F00\"\n"
        "      status: REVOKED\n";
    const StateEdit edit = edited(text, kDevice, DeviceStatus::Revoked);
    EXPECT_EQ(edit.change, StateChange::AlreadyRecorded);
    EXPECT_EQ(edit.text, text);
    EXPECT_EQ(edit.line, 7);
}

TEST(DeviceStateEdit, AppendsABlockItemWithTwoSpaceIndentation) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "  - device_sn: \"C0FFEE\"\n"
        "    ca_sn: \"7F00\"\n"
        "    status: INACTIVE\n"
        "  bind_client_id_to_cn: false\n";
    const StateEdit edit = edited(text, kDevice, DeviceStatus::Revoked);
    EXPECT_EQ(edit.change, StateChange::Appended);
    EXPECT_EQ(edit.text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "  - device_sn: \"C0FFEE\"\n"
              "    ca_sn: \"7F00\"\n"
              "    status: INACTIVE\n"
              "  - device_sn: \"1A2B\"\n"
              "    ca_sn: \"7F00\"\n"
              "    status: REVOKED\n"
              "  bind_client_id_to_cn: false\n");
    EXPECT_EQ(edit.line, 10);
}

TEST(DeviceStateEdit, AppendsABlockItemWithFourSpaceIndentation) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "    registry: {sqlite: devices.db}\n"
        "    states:\n"
        "        -   device_sn: \"C0FFEE\"\n"
        "            ca_sn: \"7F00\"\n"
        "            status: INACTIVE\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Active).text,
              "version: 1\n"
              "device_certificates:\n"
              "    registry: {sqlite: devices.db}\n"
              "    states:\n"
              "        -   device_sn: \"C0FFEE\"\n"
              "            ca_sn: \"7F00\"\n"
              "            status: INACTIVE\n"
              "        -   device_sn: \"1A2B\"\n"
              "            ca_sn: \"7F00\"\n"
              "            status: ACTIVE\n");
}

TEST(DeviceStateEdit, AppendsAFlowItemAfterFlowItemsOfABlockList) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - {device_sn: \"C0FFEE\", ca_sn: \"7F00\", status: INACTIVE}  # spare unit\n"
        "\n"
        "# the rest is about SASL\n"
        "sasl_users: []\n";
    const StateEdit edit = edited(text, kDevice, DeviceStatus::Revoked);
    EXPECT_EQ(edit.text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    - {device_sn: \"C0FFEE\", ca_sn: \"7F00\", status: INACTIVE}  # spare unit\n"
              "    - {device_sn: \"1A2B\", ca_sn: \"7F00\", status: REVOKED}\n"
              "\n"
              "# the rest is about SASL\n"
              "sasl_users: []\n");
    EXPECT_EQ(edit.line, 6);
}

TEST(DeviceStateEdit, KeepsEveryCommentAndBlankLineElsewhereByteForByte) {
    const std::string text =
        "# mqauth for the plant floor\n"
        "version: 1   # always 1\n"
        "\n"
        "device_certificates:   # ApsaraMQ device certificates\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    # decided at the 2026-03 audit\n"
        "    - device_sn: \"C0FFEE\"\n"
        "      ca_sn: \"7F00\"\n"
        "      status: INACTIVE\n"
        "      # keep until it is replaced\n"
        "\n"
        "    # - device_sn: \"DEAD\"   (waiting for the vendor)\n"
        "  bind_client_id_to_cn: true   # factory rule\n"
        "\n"
        "anonymous: deny\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Revoked).text,
              "# mqauth for the plant floor\n"
              "version: 1   # always 1\n"
              "\n"
              "device_certificates:   # ApsaraMQ device certificates\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    # decided at the 2026-03 audit\n"
              "    - device_sn: \"C0FFEE\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: INACTIVE\n"
              "      # keep until it is replaced\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: REVOKED\n"
              "\n"
              "    # - device_sn: \"DEAD\"   (waiting for the vendor)\n"
              "  bind_client_id_to_cn: true   # factory rule\n"
              "\n"
              "anonymous: deny\n");
}

TEST(DeviceStateEdit, AddsAStatesKeyWithTheMappingsIndentation) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}   # the plugin writes it\n"
        "  bind_client_id_to_cn: false\n"
        "\n"
        "# permissions follow\n"
        "permissions:\n"
        "  no_match: DENY\n";
    const StateEdit edit = edited(text, kDevice, DeviceStatus::Inactive);
    EXPECT_EQ(edit.change, StateChange::Appended);
    EXPECT_EQ(edit.text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}   # the plugin writes it\n"
              "  bind_client_id_to_cn: false\n"
              "  states:\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: INACTIVE\n"
              "\n"
              "# permissions follow\n"
              "permissions:\n"
              "  no_match: DENY\n");
    EXPECT_EQ(edit.line, 8);
}

TEST(DeviceStateEdit, AddsAStatesKeyIndentingItsListLikeTheFilesOtherLists) {
    const std::string text =
        "version: 1\n"
        "identities:\n"
        "- username: fleet\n"
        "  identity_type: USER\n"
        "  secret: s\n"
        "  sign_mode: ORIGIN\n"
        "device_certificates:\n"
        "    registry: {sqlite: devices.db}\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Active).text,
              "version: 1\n"
              "identities:\n"
              "- username: fleet\n"
              "  identity_type: USER\n"
              "  secret: s\n"
              "  sign_mode: ORIGIN\n"
              "device_certificates:\n"
              "    registry: {sqlite: devices.db}\n"
              "    states:\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: ACTIVE\n");
}

TEST(DeviceStateEdit, FillsAnEmptyStatesListKeepingItsComment) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  states: []   # none yet\n"
        "  registry: {sqlite: devices.db}\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Revoked).text,
              "version: 1\n"
              "device_certificates:\n"
              "  states: # none yet\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: REVOKED\n"
              "  registry: {sqlite: devices.db}\n");
}

TEST(DeviceStateEdit, FillsAStatesKeyWithoutValue) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Revoked).text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: REVOKED\n");
}

TEST(DeviceStateEdit, KeepsWindowsLineEndingsAndAMissingFinalNewline) {
    const std::string text =
        "version: 1\r\n"
        "device_certificates:\r\n"
        "  registry: {sqlite: devices.db}\r\n"
        "  states:\r\n"
        "    - device_sn: \"C0FFEE\"\r\n"
        "      ca_sn: \"7F00\"\r\n"
        "      status: INACTIVE";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Active).text,
              "version: 1\r\n"
              "device_certificates:\r\n"
              "  registry: {sqlite: devices.db}\r\n"
              "  states:\r\n"
              "    - device_sn: \"C0FFEE\"\r\n"
              "      ca_sn: \"7F00\"\r\n"
              "      status: INACTIVE\r\n"
              "    - device_sn: \"1A2B\"\r\n"
              "      ca_sn: \"7F00\"\r\n"
              "      status: ACTIVE\r\n");
}

TEST(DeviceStateEdit, ReplacesInsideAFlowListButRefusesToAppendToIt) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states: [{device_sn: \"C0FFEE\", ca_sn: \"7F00\", status: INACTIVE}]\n";
    EXPECT_EQ(edited(text, kOther, DeviceStatus::Active).text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states: [{device_sn: \"C0FFEE\", ca_sn: \"7F00\", status: ACTIVE}]\n");
    EXPECT_EQ(refusal(text, kDevice, DeviceStatus::Revoked),
              "auth.yaml:4:11: device_certificates.states: written in flow style ([...]), so a "
              "new item cannot be added safely; make this change by hand");
}

TEST(DeviceStateEdit, RefusesToAddStatesToAFlowSection) {
    EXPECT_EQ(refusal("version: 1\ndevice_certificates: {registry: {sqlite: devices.db}}\n",
                      kDevice, DeviceStatus::Revoked),
              "auth.yaml:2:22: device_certificates: written in flow style ({...}), so a key "
              "cannot be added safely; make this change by hand");
}

TEST(DeviceStateEdit, ConfigWithoutDeviceCertificatesIsRefused) {
    const StateEditResult missing =
        record_device_state("version: 1\nanonymous: deny\n", kDevice, DeviceStatus::Active);
    ASSERT_TRUE(missing.error);
    EXPECT_EQ(missing.error->position.line, 0);  // nowhere in particular
    EXPECT_EQ(missing.error->message,
              "MissingParameter: the config has no device_certificates section (with "
              "registry) to record device states in");
    EXPECT_EQ(refusal("version: 1\ndevice_certificates:\n", kDevice, DeviceStatus::Active),
              "auth.yaml:2:1: device_certificates: MissingParameter: the config has no "
              "device_certificates section (with registry) to record device states in");
}

TEST(DeviceStateEdit, TextThatIsNotYamlIsRefusedWithItsPosition) {
    EXPECT_NE(
        refusal("version: 1\ndevice_certificates:\n  states: [\n", kDevice, DeviceStatus::Active)
            .find("InvalidParameter"),
        std::string::npos);
}

TEST(DeviceStateEdit, AMalformedStateIsNamedNotGuessedAt) {
    EXPECT_EQ(refusal("version: 1\n"
                      "device_certificates:\n"
                      "  registry: {sqlite: devices.db}\n"
                      "  states:\n"
                      "    - device_sn: \"not hex\"\n"
                      "      ca_sn: \"7F00\"\n"
                      "      status: ACTIVE\n",
                      kDevice, DeviceStatus::Active),
              "auth.yaml:5:7: device_certificates.states[0]: InvalidParameter: not a state with a "
              "hex device_sn, an issuer or a ca_sn, and a status (mqauth check says more)");
}

TEST(DeviceStateEdit, ReadsRecordedStatesInFileOrderWithCanonicalSerials) {
    const StatesReading reading = read_recorded_states(
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - {device_sn: \"c0ffee\", ca_sn: \"07f00\", status: REVOKED}\n"
        "    - device_sn: 1A2B\n"
        "      ca_sn: 7F00\n"
        "      status: ACTIVE\n");
    ASSERT_FALSE(reading.error);
    ASSERT_EQ(reading.states.size(), 2u);
    EXPECT_EQ(reading.states[0].key, kOther);
    EXPECT_EQ(reading.states[0].status, DeviceStatus::Revoked);
    EXPECT_EQ(reading.states[0].status_line, 5);
    EXPECT_EQ(reading.states[1].key, kDevice);
    EXPECT_EQ(reading.states[1].status_line, 8);
    EXPECT_TRUE(read_recorded_states("version: 1\n").states.empty());
}

TEST(DeviceStateEdit, EveryDecisionInTurnReadsBackAsRecorded) {
    std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n";
    for (DeviceStatus status :
         {DeviceStatus::Inactive, DeviceStatus::Revoked, DeviceStatus::Active}) {
        text = edited(text, kDevice, status).text;
        text = edited(text, kOther, status).text;
    }
    const StatesReading reading = read_recorded_states(text);
    ASSERT_EQ(reading.states.size(), 2u);
    EXPECT_EQ(reading.states[0].status, DeviceStatus::Active);
    EXPECT_EQ(reading.states[1].status, DeviceStatus::Active);
}

TEST(DeviceStateEdit, AppendsAfterAnItemWhoseDashIsAloneOnItsLine) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    -\n"
        "      device_sn: \"C0FFEE\"\n"
        "      ca_sn: \"7F00\"\n"
        "      status: INACTIVE\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Revoked).text,
              "version: 1\n"
              "device_certificates:\n"
              "  registry: {sqlite: devices.db}\n"
              "  states:\n"
              "    -\n"
              "      device_sn: \"C0FFEE\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: INACTIVE\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: REVOKED\n");
}

TEST(DeviceStateEdit, FillsAStatesKeyWrittenAsAnExplicitNull) {
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  states: ~\n"
        "  registry: {sqlite: devices.db}\n";
    EXPECT_EQ(edited(text, kDevice, DeviceStatus::Inactive).text,
              "version: 1\n"
              "device_certificates:\n"
              "  states:\n"
              "    - device_sn: \"1A2B\"\n"
              "      ca_sn: \"7F00\"\n"
              "      status: INACTIVE\n"
              "  registry: {sqlite: devices.db}\n");
}

TEST(DeviceStateEdit, NamesADeviceByItsIssuerQuotingTheNamesEscapes) {
    // RFC 2253 escapes a comma inside a value with a backslash, which YAML would read as its own.
    const StateKey by_issuer{"1A2B", "CN=Line\\, 2,O=Acme \"East\"", ""};
    const std::string text =
        "version: 1\n"
        "device_certificates:\n"
        "  registry: {sqlite: devices.db}\n"
        "  states:\n"
        "    - device_sn: \"1A2B\"\n"
        "      ca_sn: \"7F00\"\n"
        "      status: INACTIVE\n";
    const StateEdit edit = edited(text, by_issuer, DeviceStatus::Revoked);
    EXPECT_EQ(edit.change, StateChange::Appended);
    EXPECT_EQ(edit.text, text +
                             "    - device_sn: \"1A2B\"\n"
                             "      issuer: \"CN=Line\\\\, 2,O=Acme \\\"East\\\"\"\n"
                             "      status: REVOKED\n");
    // The entry by ca_sn is another decision, left as it was.
    EXPECT_EQ(edited(edit.text, kDevice, DeviceStatus::Inactive).change,
              StateChange::AlreadyRecorded);
    EXPECT_EQ(edited(edit.text, by_issuer, DeviceStatus::Active).change, StateChange::Replaced);
}
