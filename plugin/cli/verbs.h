#pragma once
// The mqauth verbs. Each takes the whole argv and the index of its first own argument, prints its
// own --help, and returns an exit code from arguments.h.

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

}  // namespace mqauth::cli
