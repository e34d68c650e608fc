// SPDX-License-Identifier: Apache-2.0
/* Helpers the benchmark clients share: their common options, a monotonic clock, strict number
 * parsing, the loopback-only check, the process's own CPU time, latency percentiles and TLS
 * client settings. */
#ifndef MQAUTH_BENCH_UTIL_H
#define MQAUTH_BENCH_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Exit statuses of every client; BENCH_RUN: the arguments are fine, run the benchmark. */
enum { BENCH_RUN = -1, BENCH_EXIT_FAILED = 1, BENCH_EXIT_USAGE = 2 };

/* The options all clients take (a client sets its defaults before parsing). */
struct bench_options {
    const char* host;    /* --host */
    int port;            /* --port, required: 0 until given */
    long count;          /* --count, required: 0 until given; the timed iterations */
    long warmup;         /* --warmup: untimed iterations first */
    double time_limit_s; /* --time-limit: the whole run */
    bool verbose;        /* --verbose */
};

/*
 * getopt_long keys of the shared options, above any character a client keys its own with.
 * Each client still lists them in its own option table, under its own spelling and only those
 * it takes (publish_bench says --time-limit-s, tls_handshake_bench has no --verbose): so its
 * whole command line stays in one place, and getopt_long's abbreviations stay what they were.
 */
enum bench_option_key {
    BENCH_OPT_HOST = 0x100,
    BENCH_OPT_PORT,
    BENCH_OPT_COUNT,
    BENCH_OPT_WARMUP,
    BENCH_OPT_TIME_LIMIT,
    BENCH_OPT_VERBOSE,
    BENCH_OPT_HELP,
};

struct option;

/* One client's command line, for bench_parse_args. */
struct bench_cli {
    const char* name;              /* the program, prefixing its messages */
    const struct option* longopts; /* every option it takes, {NULL, 0, NULL, 0} last */
    long max_count;                /* bound of --count and --warmup */
    /* Parses one of the client's own options into ctx; false for a bad value. */
    bool (*apply)(void* ctx, int key, const char* arg);
    void (*usage)(FILE* out);
};

/*
 * Parses argv with getopt_long: the shared options into common (strictly, see parse_long),
 * the client's own through cli->apply(ctx). Returns BENCH_RUN, then the client checks how the
 * options go together; EXIT_SUCCESS after printing the usage for --help; or BENCH_EXIT_USAGE
 * after an unknown option, a bad value (named with its option) or a stray argument, with the
 * usage on stderr.
 */
int bench_parse_args(int argc, char** argv, const struct bench_cli* cli,
                     struct bench_options* common, void* ctx);

double ts_diff_us(const struct timespec* a, const struct timespec* b);
struct timespec now_mono(void);
/* Whole-string parses within [min, max] (seconds: > 0 and at most a day). */
bool parse_long(const char* text, long min, long max, long* out);
bool parse_seconds(const char* text, double* out);
/* Benchmarks send traffic to this machine only: 127.0.0.0/8, ::1 or localhost. */
bool is_loopback(const char* host);
/* User + system CPU time this process has used, in seconds. */
double cpu_seconds(void);
/* Ascending, in place; then the nearest-rank percentile p (0..100) of the sorted values. */
void sort_doubles(double* values, long n);
double percentile(const double* sorted, long n, double p);

/* A client's TLS settings (--cafile, --cert, --key): all NULL for plain MQTT. */
struct bench_tls {
    const char* cafile;   /* CAs that verify the broker's certificate; required for TLS */
    const char* certfile; /* the client certificate (may carry its chain), with keyfile */
    const char* keyfile;  /* its private key, unencrypted */
    void* context;        /* the SSL_CTX every connect shares, once bench_tls_prepare built it */
};

struct mosquitto;

bool bench_tls_enabled(const struct bench_tls* tls);
/* NULL when the settings are usable (none, or cafile plus both or neither of cert and key, all
 * readable files), else what is wrong with them. */
const char* bench_tls_problem(const struct bench_tls* tls);
/*
 * Builds the one TLS client context that every connect of a run shares, before timing starts:
 * libmosquitto's own (from mosquitto_tls_set) is dropped by mosquitto_reinitialise, and
 * rebuilding it costs the client ~2 ms of CPU per connect (SSL_CTX_new, openssl.cnf, the three
 * PEM files), more than the broker spends on the whole handshake. The context has
 * libmosquitto's defaults for mosquitto_tls_set without a TLS version (TLS 1.2 or 1.3, no
 * compression), verifies the broker's certificate and that it names `host` (a DNS name or IP
 * address), and keeps no client-side session cache: every connect is a full handshake.
 * A no-op without TLS. Prints OpenSSL's errors and returns false on failure.
 */
bool bench_tls_prepare(struct bench_tls* tls, const char* host);
void bench_tls_release(struct bench_tls* tls);
/* Hands the prepared context to a client (again after every mosquitto_reinitialise) and turns
 * on TCP_NODELAY, as a TLS benchmark needs (see scripts/bench). A no-op without TLS. Returns a
 * MOSQ_ERR_* code. */
int bench_tls_apply(struct mosquitto* mosq, const struct bench_tls* tls);

#endif
