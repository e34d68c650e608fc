/* Helpers the benchmark clients share: a monotonic clock, strict number parsing, the
 * loopback-only check, the process's own CPU time, latency percentiles and TLS client
 * settings. */
#ifndef MQAUTH_BENCH_UTIL_H
#define MQAUTH_BENCH_UTIL_H

#include <stdbool.h>
#include <time.h>

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
