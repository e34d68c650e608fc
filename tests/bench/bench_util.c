// SPDX-License-Identifier: Apache-2.0
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage, access */

#include "bench_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

double ts_diff_us(const struct timespec* a, const struct timespec* b) {
    return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

struct timespec now_mono(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

bool parse_long(const char* text, long min, long max, long* out) {
    char* end = NULL;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        return false;
    }
    *out = value;
    return true;
}

bool parse_seconds(const char* text, double* out) {
    char* end = NULL;
    double value;

    errno = 0;
    value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value > 0.0) || value > 86400.0) {
        return false;
    }
    *out = value;
    return true;
}

/* Parses one shared option into o; false for a bad value. */
static bool apply_shared(struct bench_options* o, long max_count, int key, const char* arg) {
    long port = 0;

    switch (key) {
        case BENCH_OPT_HOST: o->host = arg; return true;
        case BENCH_OPT_PORT:
            if (!parse_long(arg, 1, 65535, &port)) return false;
            o->port = (int)port;
            return true;
        case BENCH_OPT_COUNT: return parse_long(arg, 1, max_count, &o->count);
        case BENCH_OPT_WARMUP: return parse_long(arg, 0, max_count, &o->warmup);
        case BENCH_OPT_TIME_LIMIT: return parse_seconds(arg, &o->time_limit_s);
        case BENCH_OPT_VERBOSE: o->verbose = true; return true;
        default: return false;
    }
}

int bench_parse_args(int argc, char** argv, const struct bench_cli* cli,
                     struct bench_options* common, void* ctx) {
    int key, longindex = 0;

    while ((key = getopt_long(argc, argv, "", cli->longopts, &longindex)) != -1) {
        bool ok;

        if (key == BENCH_OPT_HELP) {
            cli->usage(stdout);
            return EXIT_SUCCESS;
        }
        if (key == '?') break; /* getopt_long has said what is wrong */
        ok = key >= BENCH_OPT_HOST ? apply_shared(common, cli->max_count, key, optarg)
                                   : cli->apply(ctx, key, optarg);
        if (!ok) {
            /* Only an option with an argument can be bad, so optarg is set. */
            fprintf(stderr, "%s: bad value '%s' for --%s\n", cli->name, optarg,
                    cli->longopts[longindex].name);
            break;
        }
    }
    if (key != -1 || optind != argc) {
        cli->usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    return BENCH_RUN;
}

bool is_loopback(const char* host) {
    struct in_addr v4;
    struct in6_addr v6;

    if (strcmp(host, "localhost") == 0) return true;
    if (inet_pton(AF_INET, host, &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

double cpu_seconds(void) {
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

bool bench_tls_enabled(const struct bench_tls* tls) {
    return tls->cafile || tls->certfile || tls->keyfile;
}

const char* bench_tls_problem(const struct bench_tls* tls) {
    const char* files[] = {tls->cafile, tls->certfile, tls->keyfile};

    if (!bench_tls_enabled(tls)) return NULL;
    if (!tls->cafile) return "--cert and --key need --cafile (to verify the broker)";
    if (!tls->certfile != !tls->keyfile) return "--cert and --key go together";
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (files[i] && access(files[i], R_OK) != 0)
            return "a --cafile/--cert/--key file is not readable";
    }
    return NULL;
}

/* The broker's certificate must name `host`: as an IP address if it is one, else a DNS name. */
static bool expect_host(SSL_CTX* context, const char* host) {
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context);
    struct in6_addr any;

    if (inet_pton(AF_INET, host, &any) == 1 || inet_pton(AF_INET6, host, &any) == 1) {
        return X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1;
    }
    return X509_VERIFY_PARAM_set1_host(param, host, 0) == 1;
}

bool bench_tls_prepare(struct bench_tls* tls, const char* host) {
    SSL_CTX* context;
    bool ok;

    if (!bench_tls_enabled(tls)) return true;
    context = SSL_CTX_new(TLS_client_method());
    ok = context && SSL_CTX_load_verify_locations(context, tls->cafile, NULL) == 1 &&
         expect_host(context, host);
    if (ok && tls->certfile) {
        ok = SSL_CTX_use_certificate_chain_file(context, tls->certfile) == 1 &&
             SSL_CTX_use_PrivateKey_file(context, tls->keyfile, SSL_FILETYPE_PEM) == 1 &&
             SSL_CTX_check_private_key(context) == 1;
    }
    if (!ok) {
        fprintf(stderr, "bench: cannot set up TLS with %s, %s, %s:\n", tls->cafile,
                tls->certfile ? tls->certfile : "(no certificate)",
                tls->keyfile ? tls->keyfile : "(no key)");
        ERR_print_errors_fp(stderr);
        SSL_CTX_free(context);
        return false;
    }
    /* As libmosquitto sets up its own context for mosquitto_tls_set without a version. */
    SSL_CTX_set_options(
        context, SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    tls->context = context;
    return true;
}

void bench_tls_release(struct bench_tls* tls) {
    SSL_CTX_free(tls->context);
    tls->context = NULL;
}

int bench_tls_apply(struct mosquitto* mosq, const struct bench_tls* tls) {
    int rc;

    if (!tls->context) return MOSQ_ERR_SUCCESS;
    rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    /* Without the defaults libmosquitto uses the context as it is (it takes a reference). */
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, tls->context);
    return rc;
}

static int cmp_double(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;

    return (x > y) - (x < y);
}

void sort_doubles(double* values, long n) {
    qsort(values, (size_t)n, sizeof *values, cmp_double);
}

double percentile(const double* sorted, long n, double p) {
    long rank = (long)(p / 100.0 * (double)n + 0.999999);

    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}
