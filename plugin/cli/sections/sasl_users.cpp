// SPDX-License-Identifier: Apache-2.0
// mqauth sasl-users create|delete|list: ApsaraMQ for Kafka's SASL users (CreateSaslUser and its
// siblings) as entries of the config's `sasl_users`, with salted credentials only.
#include <iostream>
#include <string>

#include "broker_reload.h"
#include "config/timestamp.h"
#include "config_change.h"
#include "sasl/user_credentials.h"
#include "subcommands.h"
#include "text_table.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

const editing::KeyPath kSaslUsers{"sasl_users"};

constexpr const char* kUsage =
    "usage: mqauth sasl-users create|delete|rotate|end-rotation|list --config FILE ...\n"
    "SASL users (ApsaraMQ for Kafka's CreateSaslUser and its siblings):\n"
    "  create  add a user: plain (CONNECT username and password) or scram (SCRAM-SHA-256 or\n"
    "          SCRAM-SHA-512 over MQTT 5 enhanced authentication); password on stdin\n"
    "  delete  remove one; the broker disconnects its clients when it reloads\n"
    "  rotate  give a user a new password; the old one stays accepted for a while\n"
    "  end-rotation  stop accepting the previous password\n"
    "  list    the users, with the line of each\n"
    "mqauth sasl-users SUBCOMMAND --help says more.\n"
    "Exit status: 0 ok, 1 rejected input (the file is left as it was), 2 usage error.\n";

const std::string kCreateUsage =
    std::string(
        "usage: mqauth sasl-users create --config FILE --username U [--type plain|scram]\n"
        "           [--mechanism SCRAM-SHA-256|SCRAM-SHA-512] [--iterations N] [--reload]\n"
        "Reads the password from standard input (one line) and adds the user at the end of FILE's\n"
        "sasl_users with salted credentials only, as `mqauth sasl-hash` prints them: the password\n"
        "is not stored. --type defaults to plain, --mechanism to SCRAM-SHA-512 (for a scram user "
        "it\n"
        "is the AUTH method its client names), --iterations to 4096. Comments and layout are "
        "kept;\n"
        "the edited file must load as the broker would load it before it replaces FILE.\n") +
    kReloadUsage;

const std::string kDeleteUsage =
    std::string(
        "usage: mqauth sasl-users delete --config FILE --username U [--reload]\n"
        "Removes the SASL user. Once the broker reloads, its clients are disconnected.\n") +
    kReloadUsage;

const std::string kRotateUsage =
    std::string(
        "usage: mqauth sasl-users rotate --config FILE --username U [--previous-until TIME]\n"
        "           [--reload]\n"
        "Password rotation without an outage: reads the new password from standard input (one\n"
        "line); the user's credentials become its previous_credentials and the new password's\n"
        "its credentials, derived with the same salt, iterations and mechanism (a SCRAM client is\n"
        "offered one salt, so both must share it). Both passwords are accepted until TIME\n"
        "(previous_credentials_until, RFC 3339 with its UTC offset, e.g. 2026-12-31T23:59:59Z),\n"
        "or until `mqauth sasl-users end-rotation`. Clients logged in with the old password keep\n"
        "their sessions when the broker reloads, and are disconnected at TIME or at the end of\n"
        "the rotation. A plain-text `password` entry gets salted credentials; so does a user\n"
        "migrated with its Mosquitto password hash (SCRAM-SHA-512, 4096 iterations, a new salt,\n"
        "the hash kept as previous_credentials). A user may carry one previous password: end\n"
        "the running rotation first.\n") +
    kReloadUsage;

const std::string kEndRotationUsage =
    std::string(
        "usage: mqauth sasl-users end-rotation --config FILE --username U [--reload]\n"
        "Removes the user's previous_credentials (and previous_credentials_until): once the\n"
        "broker reloads, clients still logged in with the old password are disconnected.\n") +
    kReloadUsage;

constexpr const char* kListUsage =
    "usage: mqauth sasl-users list --config FILE\n"
    "One line per SASL user: username, type, mechanism (mosquitto-pbkdf2 or mosquitto-sha512\n"
    "for a Mosquitto password hash), what is stored (credentials, or a plain-text password),\n"
    "its previous password during a rotation (\"-\", \"until:TIME\" or \"until-removed\") and\n"
    "the line in FILE. Never a secret.\n";

std::string previous_password(const yaml::YamlNode& user) {
    if (field_text(user, "previous_credentials").empty()) return "-";
    const std::string until = field_text(user, "previous_credentials_until");
    return until.empty() ? "until-removed" : "until:" + until;
}

// The mechanism a user's entry names, or its credentials' (a Mosquitto hash names its type).
std::string mechanism_of(const yaml::YamlNode& user) {
    const std::string mechanism = field_text(user, "mechanism");
    if (!mechanism.empty()) return mechanism;
    const std::string credentials = field_text(user, "credentials");
    if (credentials.rfind("$6$", 0) == 0) return "mosquitto-sha512";
    if (credentials.rfind("$7$", 0) == 0) return "mosquitto-pbkdf2";
    return credentials.substr(0, credentials.find('$'));
}

int run_list(const Arguments& args) {
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    TextTable table({"username", "type", "mechanism", "stored", "previous", "line"});
    for (const yaml::YamlNode& user : list_items(*config, kSaslUsers)) {
        table.add_row({field_text(user, "username"),
                       field_text(user, "type").empty() ? "plain" : field_text(user, "type"),
                       mechanism_of(user),
                       field_text(user, "credentials").empty() ? "password" : "credentials",
                       previous_password(user), std::to_string(user.position.line)});
    }
    table.print(std::cout);
    return kExitOk;
}

int iterations_option(const Arguments& args) {
    const auto text = args.option("iterations");
    if (!text) return sasl::kDefaultIterations;
    const auto value = parse_number(*text, sasl::kMinIterations, sasl::kMaxIterations);
    if (!value) throw UsageError("--iterations must be a number from 4096 to 10000000");
    return static_cast<int>(*value);
}

std::optional<std::size_t> find_user(const ConfigUnderEdit& config, const std::string& username) {
    return find_item(config, kSaslUsers, "username", username);
}

// The user's index, or nullopt after saying there is none.
std::optional<std::size_t> existing_user(const ConfigUnderEdit& config,
                                         const std::string& username) {
    const auto index = find_user(config, username);
    if (!index) refuse(config, 0, "no SASL user \"" + username + "\"");
    return index;
}

std::optional<std::string> read_password(const char* subcommand) {
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
        std::cerr << "mqauth sasl-users " << subcommand << ": no password on standard input\n";
        return std::nullopt;
    }
    return password;
}

int run_create(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const std::string type = enum_option(args, "type", {"plain", "scram"}).value_or("plain");
    const std::string mechanism = enum_option(args, "mechanism", {"SCRAM-SHA-256", "SCRAM-SHA-512"})
                                      .value_or("SCRAM-SHA-512");
    const int iterations = iterations_option(args);
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    if (const auto existing = find_user(*config, username)) {
        return refuse(*config, list_items(*config, kSaslUsers)[*existing].position.line,
                      "SASL user \"" + username + "\" exists already (delete it first)");
    }
    const auto password = read_password("create");
    if (!password) return kExitRejected;
    const std::string credentials = sasl::format_credentials(
        sasl::derive_credentials(*sasl::mechanism_from_name(mechanism), *password, iterations));
    editing::Fields user{{"username", editing::quoted_scalar(username)},
                         {"type", editing::plain_scalar(type)}};
    if (type == "scram") user.push_back({"mechanism", editing::plain_scalar(mechanism)});
    user.push_back({"credentials", editing::quoted_scalar(credentials)});
    return commit_change(*config, config->document.append_item(kSaslUsers, user),
                         "created " + type + " SASL user \"" + username + "\" (" + mechanism + ")",
                         args);
}

int run_delete(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = existing_user(*config, username);
    if (!index) return kExitRejected;
    return commit_change(*config, config->document.remove_item(kSaslUsers, *index),
                         "deleted SASL user \"" + username + "\"", args);
}

// The new credentials of a rotation: the new password derived as the current credentials were
// (the loaded user's, also for a plain-text `password` entry), so one salt serves both. A
// Mosquitto hash (a migrated user) moves to mqauth's own credentials, with a fresh salt.
std::optional<std::string> rotated_credentials(const ConfigUnderEdit& config, int line,
                                               const sasl::UserCredentials& current) {
    const auto password = read_password("rotate");
    if (!password) return std::nullopt;
    if (sasl::password_matches(current, *password)) {
        refuse(config, line, "the new password is the current one");
        return std::nullopt;
    }
    const sasl::ScramCredentials* scram = sasl::scram_of(current);
    return sasl::format_credentials(
        scram
            ? sasl::derive_credentials(scram->mechanism, *password, scram->iterations, scram->salt)
            : sasl::derive_credentials(sasl::Mechanism::ScramSha512, *password,
                                       sasl::kDefaultIterations));
}

int run_rotate(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto until = args.option("previous-until");
    if (until && !config::parse_timestamp(*until)) {
        throw UsageError(
            "--previous-until \"" + *until +
            "\" is not a date and time with its UTC offset, like 2026-12-31T23:59:59Z");
    }
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = existing_user(*config, username);
    if (!index) return kExitRejected;
    const yaml::YamlNode& item = list_items(*config, kSaslUsers)[*index];
    const int line = item.position.line;
    if (!field_text(item, "previous_credentials").empty()) {
        return refuse(*config, line,
                      "SASL user \"" + username +
                          "\" is in a rotation already: end it first (mqauth sasl-users "
                          "end-rotation)");
    }
    const sasl::UserCredentials& current = config->policy().sasl_users.find(username)->credentials;
    const auto credentials = rotated_credentials(*config, line, current);
    if (!credentials) return kExitRejected;
    editing::Fields fields{
        {"credentials", editing::quoted_scalar(*credentials)},
        {"previous_credentials", editing::quoted_scalar(sasl::format_user_credentials(current))}};
    if (until) fields.push_back({"previous_credentials_until", editing::quoted_scalar(*until)});
    return commit_change(
        *config, config->document.set_item_fields(kSaslUsers, *index, fields, {"password"}),
        "rotated the password of SASL user \"" + username + "\"; the previous one is accepted " +
            (until ? "until " + *until : std::string("until end-rotation")),
        args);
}

int run_end_rotation(const Arguments& args) {
    const std::string username = required_option(args, "username");
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    const auto index = existing_user(*config, username);
    if (!index) return kExitRejected;
    const yaml::YamlNode& item = list_items(*config, kSaslUsers)[*index];
    if (field_text(item, "previous_credentials").empty()) {
        std::cout << config->path() << ":" << item.position.line << ": SASL user \"" << username
                  << "\" has no previous password; nothing to change\n";
        return kExitOk;
    }
    return commit_change(
        *config,
        config->document.set_item_fields(kSaslUsers, *index, {},
                                         {"previous_credentials", "previous_credentials_until"}),
        "SASL user \"" + username + "\" accepts its current password only", args);
}

SubcommandVerb sasl_users_verb() {
    return {"sasl-users",
            kUsage,
            {{"create", kCreateUsage.c_str(),
              editing_options({"username", "type", "mechanism", "iterations"}), editing_flags(),
              run_create},
             {"delete", kDeleteUsage.c_str(), editing_options({"username"}), editing_flags(),
              run_delete},
             {"rotate", kRotateUsage.c_str(), editing_options({"username", "previous-until"}),
              editing_flags(), run_rotate},
             {"end-rotation", kEndRotationUsage.c_str(), editing_options({"username"}),
              editing_flags(), run_end_rotation},
             {"list", kListUsage, {"config"}, {}, run_list}}};
}

}  // namespace

VerbHelp sasl_users_help() {
    return help_of(sasl_users_verb());
}

int run_sasl_users(int argc, char** argv, int first) {
    return run_subcommand(sasl_users_verb(), argc, argv, first);
}

}  // namespace mqauth::cli
