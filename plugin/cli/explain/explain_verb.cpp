// SPDX-License-Identifier: Apache-2.0
// mqauth explain: how the broker would decide a CONNECT and a topic access, step by step, by the
// broker's own engine on the --config file, with no broker running.
#include <iostream>
#include <string>

#include "authorizers/authorizer_username.h"
#include "config_change.h"
#include "explain/login_explainer.h"
#include "explain/topic_explanation.h"
#include "io/regular_file.h"
#include "subcommands.h"
#include "verbs.h"

namespace mqauth::cli {
namespace {

using explain::ConnectAnswer;
using explain::ConnectQuestion;

// Beyond ok (0), rejected input (1) and usage (2): the answer was a refusal, or it depends on an
// authorizer's function, which was not called.
constexpr int kExitRefused = 3;
constexpr int kExitUndecided = 4;

constexpr const char* kUsage =
    "usage: mqauth explain --config FILE --client-id ID [--username NAME]\n"
    "           [--password-stdin | --password-file FILE] [--auth-method SCRAM-SHA-256|512]\n"
    "           [--cert PEM] [--server-name NAME] [--address IP] [--call-function]\n"
    "           [--topic TOPIC --action publish|subscribe]\n"
    "How the broker would decide this CONNECT under FILE, and then this topic access: which\n"
    "step of the decision order takes the CONNECT (a device certificate, a custom authorizer,\n"
    "a username and password, anonymous access; a SCRAM login with --auth-method), the entries\n"
    "of FILE it consults (with their lines), and its answer with the reason code the broker\n"
    "logs; then every rule that matches the topic (with its line), or that no_match decides.\n"
    "It runs the broker's own engine; no broker is needed, and nothing is changed: a device\n"
    "certificate seen for the first time is reported as the broker would register it, and an\n"
    "authorizer's function is not called unless --call-function is given.\n"
    "The password comes from one line of standard input (--password-stdin) or from a file,\n"
    "never the command line. --cert is the client's certificate in PEM, followed by the chain\n"
    "it sends. --address is the client's IP address (127.0.0.1 when not given).\n"
    "Exit status: 0 allowed, 1 rejected input (an invalid FILE, an unreadable file), 2 usage\n"
    "error, 3 refused (the CONNECT or the topic access), 4 undecided (an authorizer's function\n"
    "would decide; --call-function calls it).\n";

const std::vector<std::string> kOptions = {
    "config", "client-id",   "username", "password-file", "auth-method",
    "cert",   "server-name", "address",  "topic",         "action"};
const std::vector<std::string> kFlags = {"password-stdin", "call-function"};

std::optional<std::string> read_password(const Arguments& args) {
    const auto file = args.option("password-file");
    if (file && args.flag("password-stdin")) {
        throw UsageError("give --password-stdin or --password-file, not both");
    }
    if (args.flag("password-stdin")) {
        std::string line;
        std::getline(std::cin, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    }
    if (!file) return std::nullopt;
    io::FileRead read = io::read_regular_file(*file, 64 * 1024);
    if (!read.text) throw std::runtime_error("--password-file " + *file + ": " + read.error);
    std::string& text = *read.text;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
}

ConnectQuestion question_from(const Arguments& args) {
    ConnectQuestion question;
    question.client_id = required_option(args, "client-id");
    question.username = args.option("username");
    question.password = read_password(args);
    if (const auto method = enum_option(args, "auth-method", {"SCRAM-SHA-256", "SCRAM-SHA-512"})) {
        question.scram = sasl::mechanism_from_name(*method);
        if (!question.username) throw UsageError("--auth-method needs --username");
    }
    question.certificate_file = args.option("cert");
    question.server_name = args.option("server-name");
    question.address = args.option("address").value_or("127.0.0.1");
    return question;
}

std::optional<permissions::Access> access_from(const Arguments& args) {
    const auto action = enum_option(args, "action", {"publish", "subscribe"});
    const bool topic = args.option("topic").has_value();
    if (topic != action.has_value()) throw UsageError("--topic and --action go together");
    if (!action) return std::nullopt;
    if (*action == "subscribe") return permissions::Access::Subscribe;
    // The broker refuses such a PUBLISH as a protocol error before any plugin sees it.
    if (args.option("topic")->find_first_of("+#") != std::string::npos) {
        throw UsageError("a PUBLISH topic holds no + or # (those are for --action subscribe)");
    }
    return permissions::Access::Publish;
}

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

// The entries at `path` whose `key` is `value`, each as WHAT "NAME": FILE:LINE, NAME being the
// entry's `name_key` (`value` when none is given).
void print_entries(const ConfigUnderEdit& config, const editing::KeyPath& path,
                   const std::string& key, const std::string& value, const std::string& what,
                   const std::string& name_key = "") {
    for (const yaml::YamlNode& item : list_items(config, path)) {
        if (field_text(item, key) != value) continue;
        const std::string name = name_key.empty() ? value : field_text(item, name_key);
        std::cout << "  " << what << " " << quoted(name) << ": " << config.path() << ":"
                  << item.position.line << "\n";
    }
}

// The entries of the file the deciding step consults.
void print_consulted(const ConfigUnderEdit& config, const ConnectQuestion& question,
                     const ConnectAnswer& answer) {
    const std::string username = question.username.value_or("");
    switch (answer.step.number) {
        case explain::kScramStep:
            print_entries(config, {"sasl_users"}, "username", username, "SASL user");
            break;
        case explain::kCertificateStep:
            if (answer.ca_name)
                print_entries(config, {"ca_certificates"}, "ca_name", *answer.ca_name, "CA");
            break;
        case explain::kAuthorizerStep: {
            const auto parsed = authorizers::parse_authorizer_username(username);
            if (parsed) {
                print_entries(config, {"authorizers"}, "authorizer_name",
                              std::string(parsed->authorizer_name), "authorizer");
            } else {
                print_entries(config, {"authorizers"}, "default_authorizer", "true",
                              "default authorizer (for SNI clients)", "authorizer_name");
            }
            break;
        }
        case explain::kPasswordStep:
            print_entries(config, {"identities"}, "username", username, "identity");
            print_entries(config, {"sasl_users"}, "username", username, "SASL user");
            break;
        default: {
            const yaml::YamlNode* anonymous = config.document.find({"anonymous"});
            std::cout << "  anonymous: "
                      << (anonymous ? anonymous->scalar + " (" + config.path() + ":" +
                                          std::to_string(anonymous->position.line) + ")"
                                    : std::string("deny (the default)"))
                      << "\n";
        }
    }
}

int print_connect(const ConfigUnderEdit& config, const ConnectQuestion& question,
                  const ConnectAnswer& answer) {
    std::cout << "CONNECT client_id=" << quoted(question.client_id);
    if (question.username) std::cout << " username=" << quoted(*question.username);
    std::cout << "\n";
    std::cout << "  decided by step " << answer.step.number
              << " of the decision order: " << answer.step.name << "\n";
    print_consulted(config, question, answer);
    if (answer.certificate_detail)
        std::cout << "  certificate: " << *answer.certificate_detail << "\n";
    for (const std::string& notice : answer.notices)
        std::cout << "  broker log: " << notice << "\n";
    if (answer.would_register) {
        std::cout << "  the device is not registered yet: the broker registers it (ACTIVE) on "
                     "this CONNECT\n";
    }
    if (answer.uncalled_function) {
        std::cout << "  -> undecided: the function " << *answer.uncalled_function
                  << " decides (not called; --call-function calls it)\n";
        return kExitUndecided;
    }
    const engine::Decision& decision = answer.decision;
    if (decision.verdict == engine::Verdict::NextPlugin) {
        std::cout << "  -> undecided: no entry has this username, and unknown_usernames is "
                     "next_plugin: the broker's next plugin (or password_file) decides\n";
        return kExitUndecided;
    }
    if (decision.verdict == engine::Verdict::Allow) {
        std::cout << "  -> allowed";
        if (answer.username) std::cout << " as username " << quoted(*answer.username);
        std::cout << "\n";
        return kExitOk;
    }
    std::cout << "  -> " << (decision.verdict == engine::Verdict::Error ? "error" : "refused")
              << " (" << engine::reason_code(decision.reason) << ")\n";
    return kExitRefused;
}

int print_topic(const ConfigUnderEdit& config, permissions::Access access, const std::string& topic,
                const explain::TopicExplanation& explanation, bool engine_allowed) {
    std::cout << (access == permissions::Access::Publish ? "PUBLISH " : "SUBSCRIBE ")
              << quoted(topic) << "\n";
    for (const explain::MatchingRule& rule : explanation.matching) {
        std::cout << "  rule " << config.path() << ":" << rule.line << ": " << rule.text << "\n";
    }
    if (explanation.by_no_match) {
        const yaml::YamlNode* no_match = config.document.find({"permissions", "no_match"});
        std::cout << "  no rule matches: no_match decides: "
                  << (no_match ? no_match->scalar + " (" + config.path() + ":" +
                                     std::to_string(no_match->position.line) + ")"
                               : std::string("DENY (the default)"))
                  << "\n";
    } else if (!explanation.allowed) {
        std::cout << "  a matching DENY beats any ALLOW\n";
    }
    if (explanation.allowed != engine_allowed) {
        // The rules one at a time and the engine disagree: a bug, never hidden.
        throw std::logic_error("the engine's decision differs from its rules: please report");
    }
    std::cout << (engine_allowed ? "  -> allowed\n" : "  -> refused (topic_denied)\n");
    return engine_allowed ? kExitOk : kExitRefused;
}

int run(const Arguments& args) {
    const ConnectQuestion question = question_from(args);
    const auto access = access_from(args);
    const auto config = open_config_for_edit(args);
    if (!config) return kExitRejected;
    explain::LoginExplainer explainer(config->valid.loaded.policy, args.flag("call-function"));
    const ConnectAnswer answer = explainer.explain(question);
    const int connect_status = print_connect(*config, question, answer);
    if (!access || connect_status != kExitOk) return connect_status;
    const std::string topic = *args.option("topic");
    // Subject holds views: the username it names must outlive it.
    const std::string username = answer.username.value_or("");
    const permissions::Subject subject{username, question.client_id, explainer.client_id_proven()};
    const auto explanation =
        explain::explain_topic(list_items(*config, {"permissions", "rules"}),
                               config->policy().permissions.no_match(), *access, topic, subject);
    const bool allowed =
        explainer.authorize(*access, topic, question, answer).verdict == engine::Verdict::Allow;
    return print_topic(*config, *access, topic, explanation, allowed);
}

}  // namespace

VerbHelp explain_help() {
    return single_command_help(kUsage, kOptions, kFlags);
}

int run_explain(int argc, char** argv, int first) {
    std::string error;
    const auto args = parse_arguments(argc, argv, first, kOptions, error, kFlags);
    if (args && args->help) {
        std::cout << kUsage;
        return kExitOk;
    }
    try {
        if (!args) throw UsageError(error);
        if (!args->positionals.empty()) {
            throw UsageError("unexpected argument \"" + args->positionals.front() + "\"");
        }
        return run(*args);
    } catch (const UsageError& misuse) {
        std::cerr << "mqauth explain: " << misuse.what() << "\n" << kUsage;
        return kExitUsage;
    }
}

}  // namespace mqauth::cli
