// SPDX-License-Identifier: Apache-2.0
#pragma once
// The mqauth verbs. Each takes the whole argv and the index of its first own argument, prints its
// own --help, and returns an exit code from arguments.h; and each describes its command lines
// (help.h) for the man page and the shell completion.
#include "help.h"

namespace mqauth::cli {

int run_check(int argc, char** argv, int first);
int run_sign(int argc, char** argv, int first);
int run_sasl_hash(int argc, char** argv, int first);
int run_devices(int argc, char** argv, int first);
int run_token_sign(int argc, char** argv, int first);
int run_identities(int argc, char** argv, int first);
int run_permissions(int argc, char** argv, int first);
int run_sasl_users(int argc, char** argv, int first);
int run_cas(int argc, char** argv, int first);
int run_sni(int argc, char** argv, int first);
int run_authorizers(int argc, char** argv, int first);
int run_explain(int argc, char** argv, int first);
int run_import(int argc, char** argv, int first);

VerbHelp check_help();
VerbHelp sign_help();
VerbHelp sasl_hash_help();
VerbHelp devices_help();
VerbHelp token_sign_help();
VerbHelp identities_help();
VerbHelp permissions_help();
VerbHelp sasl_users_help();
VerbHelp cas_help();
VerbHelp sni_help();
VerbHelp authorizers_help();
VerbHelp explain_help();
VerbHelp import_help();

}  // namespace mqauth::cli
