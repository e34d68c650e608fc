// SPDX-License-Identifier: Apache-2.0
/*
 * tls_handshake_bench: sequential TLS handshakes against a broker's TLS listener, with OpenSSL
 * directly (no MQTT at all).
 *
 * Each iteration connects over TCP, runs a full handshake (no session resumption) sending
 * --servername as SNI, sends close_notify, and waits until the broker closes the connection:
 * so the broker has finished with one handshake (its certificate selection, signature and
 * session tickets included) before the next begins, and the figure is the cost of a handshake
 * on the broker plus a constant client cost.
 *
 * --expect-cn makes every handshake check the subject CN of the certificate it got, so a
 * comparison cannot silently measure the wrong certificate.
 *
 * Output (stdout, one line):
 *   handshakes_per_s=<float> p50_us=<float> p99_us=<float> n=<N>
 * p50/p99: TCP connect to handshake done. Only loopback hosts are accepted.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define MAX_COUNT 10000000L
#define CLOSE_WAIT_MS 5000

struct options {
    struct bench_options common; /* host: an IPv4 loopback address; no verbose */
    const char* servername;      /* NULL: no SNI */
    const char* expect_cn;       /* NULL: no check */
};

static void usage(FILE* out) {
    fprintf(out,
            "usage: tls_handshake_bench --port P --count N [--host H] [--warmup W]\n"
            "         [--servername NAME] [--expect-cn CN] [--time-limit SECONDS]\n"
            "  --servername   the SNI to send (default: none)\n"
            "  --expect-cn    fail unless every served certificate has this subject CN\n");
}

static bool apply_option(void* ctx, int key, const char* arg) {
    struct options* o = ctx;

    switch (key) {
        case 's': o->servername = arg; return true;
        case 'e': o->expect_cn = arg; return true;
        default: return false;
    }
}

/* Returns BENCH_RUN, or the process exit status. */
static int parse_args(int argc, char** argv, struct options* o) {
    static const struct option longopts[] = {
        {"host", required_argument, NULL, BENCH_OPT_HOST},
        {"port", required_argument, NULL, BENCH_OPT_PORT},
        {"count", required_argument, NULL, BENCH_OPT_COUNT},
        {"warmup", required_argument, NULL, BENCH_OPT_WARMUP},
        {"servername", required_argument, NULL, 's'},
        {"expect-cn", required_argument, NULL, 'e'},
        {"time-limit", required_argument, NULL, BENCH_OPT_TIME_LIMIT},
        {"help", no_argument, NULL, BENCH_OPT_HELP},
        {NULL, 0, NULL, 0}};
    static const struct bench_cli cli = {"tls_handshake_bench", longopts, MAX_COUNT, apply_option,
                                         usage};
    struct in_addr v4;
    int rc;

    *o = (struct options){.common = {.host = "127.0.0.1", .warmup = 50, .time_limit_s = 300.0}};
    rc = bench_parse_args(argc, argv, &cli, &o->common, o);
    if (rc != BENCH_RUN) return rc;
    if (o->common.port == 0 || o->common.count == 0) {
        usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    if (!is_loopback(o->common.host) || inet_pton(AF_INET, o->common.host, &v4) != 1) {
        fprintf(stderr, "tls_handshake_bench: --host must be an IPv4 loopback address\n");
        return BENCH_EXIT_USAGE;
    }
    return BENCH_RUN;
}

static void report_tls_error(const char* stage) {
    unsigned long e = ERR_get_error();
    char text[256];

    ERR_error_string_n(e, text, sizeof text);
    fprintf(stderr, "tls_handshake_bench: %s failed: %s\n", stage, e ? text : strerror(errno));
    ERR_clear_error();
}

static int connect_tcp(const struct options* o) {
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)o->common.port)};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    inet_pton(AF_INET, o->common.host, &address.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
        fprintf(stderr, "tls_handshake_bench: connect: %s\n", strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool served_cn_is(SSL* ssl, const char* expected) {
    char cn[256] = "";
    X509* certificate = SSL_get0_peer_certificate(ssl);

    if (certificate) {
        X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, cn,
                                  sizeof cn);
    }
    if (strcmp(cn, expected) == 0) return true;
    fprintf(stderr, "tls_handshake_bench: served certificate CN '%s', expected '%s'\n", cn,
            expected);
    return false;
}

/* Reads (and discards: session tickets) until the broker closes, so it is done with us. */
static bool wait_for_close(int fd) {
    char sink[4096];

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, CLOSE_WAIT_MS);
        ssize_t got;

        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            fprintf(stderr, "tls_handshake_bench: the broker did not close the connection\n");
            return false;
        }
        got = read(fd, sink, sizeof sink);
        if (got == 0 || (got < 0 && errno == ECONNRESET)) return true;
        if (got < 0 && errno != EINTR) {
            fprintf(stderr, "tls_handshake_bench: read: %s\n", strerror(errno));
            return false;
        }
    }
}

/* One handshake; its connect-to-done latency in *latency_us. */
static bool one_handshake(SSL_CTX* ctx, const struct options* o, double* latency_us) {
    struct timespec start = now_mono(), done;
    int fd = connect_tcp(o);
    SSL* ssl;
    bool ok = false;

    if (fd < 0) return false;
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1 ||
        (o->servername && SSL_set_tlsext_host_name(ssl, o->servername) != 1)) {
        report_tls_error("SSL setup");
    } else if (SSL_connect(ssl) != 1) {
        report_tls_error("handshake");
    } else {
        done = now_mono();
        *latency_us = ts_diff_us(&start, &done);
        ok = !o->expect_cn || served_cn_is(ssl, o->expect_cn);
        SSL_shutdown(ssl); /* close_notify: the broker closes the connection */
        ok = ok && wait_for_close(fd);
    }
    SSL_free(ssl);
    close(fd);
    return ok;
}

/* Runs n handshakes; latencies may be NULL (warm-up). */
static bool run_range(SSL_CTX* ctx, const struct options* o, long n, double* latencies,
                      const struct timespec* deadline) {
    double latency = 0.0;

    for (long i = 0; i < n; i++) {
        struct timespec t = now_mono();
        if (ts_diff_us(&t, deadline) < 0.0) {
            fprintf(stderr, "tls_handshake_bench: time limit of %.0f s reached\n",
                    o->common.time_limit_s);
            return false;
        }
        if (!one_handshake(ctx, o, &latency)) return false;
        if (latencies) latencies[i] = latency;
    }
    return true;
}

/* Full handshakes only: no client session cache, no tickets offered back. The served chain is
 * not verified (--expect-cn checks which certificate came); both sides of a comparison run the
 * same client. */
static SSL_CTX* client_context(void) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx) return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return ctx;
}

int main(int argc, char** argv) {
    struct options o;
    struct timespec deadline, start, end;
    double* latencies;
    SSL_CTX* ctx;
    int rc = parse_args(argc, argv, &o);
    bool ok;

    if (rc != BENCH_RUN) return rc;
    signal(SIGPIPE, SIG_IGN); /* a broker that closed first is an error to report, not a kill */
    latencies = calloc((size_t)o.common.count, sizeof *latencies);
    ctx = client_context();
    if (!latencies || !ctx) {
        fprintf(stderr, "tls_handshake_bench: out of memory\n");
        return BENCH_EXIT_FAILED;
    }
    deadline = now_mono();
    deadline.tv_sec += (time_t)o.common.time_limit_s;
    ok = run_range(ctx, &o, o.common.warmup, NULL, &deadline);
    start = now_mono();
    ok = ok && run_range(ctx, &o, o.common.count, latencies, &deadline);
    end = now_mono();
    if (ok) {
        sort_doubles(latencies, o.common.count);
        printf("handshakes_per_s=%.1f p50_us=%.1f p99_us=%.1f n=%ld\n",
               (double)o.common.count / (ts_diff_us(&start, &end) / 1e6),
               percentile(latencies, o.common.count, 50.0),
               percentile(latencies, o.common.count, 99.0), o.common.count);
    }
    SSL_CTX_free(ctx);
    free(latencies);
    return ok ? EXIT_SUCCESS : BENCH_EXIT_FAILED;
}
