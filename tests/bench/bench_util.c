#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage, access */

#include "bench_util.h"

#include <arpa/inet.h>
#include <errno.h>
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
