// SPDX-License-Identifier: Apache-2.0
/*
 * connect_bench: sequential MQTT 3.1.1 connect benchmark on libmosquitto.
 *
 * One client connects, waits for CONNACK, disconnects, and repeats, so the
 * figure is the broker's cost of one authenticated connect (plus a constant
 * client cost that is the same for every broker compared in one run).
 * Everything the client would otherwise compute per connect (client ids,
 * SIGNED passwords) is prepared before the timed loop.
 *
 * Output (stdout, one line):
 *   connects_per_s=<float> p50_us=<float> p99_us=<float> n=<N>
 * connects_per_s counts whole iterations (connect, CONNACK, disconnect);
 * p50/p99 are CONNECT-call-to-CONNACK latencies (TCP handshake included).
 * As a load generator: --duration ends the timed part after a time rather
 * than a count; --keep-going counts refused and unanswered connects instead
 * of stopping at the first, n then counts accepted connects only and the
 * line ends with refused=<R> failed=<F>.
 * With --cafile it connects over TLS (--cert/--key: with a client
 * certificate), and the TLS handshake is part of every connect and latency.
 * Only loopback hosts are accepted: this is a load generator.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

#include <mosquitto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* Not a libmosquitto code: no CONNACK arrived within options.wait_s. */
#define ERR_NO_CONNACK 10000

/*
 * Upper bounds so that a typo cannot exhaust memory: one latency (8 bytes)
 * per counted connect, one precomputed credential (~100 bytes, ~500 with a
 * custom authorizer's username) per identity. A field holds a custom
 * authorizer's username: an RSA-4096 signature alone is 684 Base64 characters.
 */
#define MAX_COUNT 10000000L
#define MAX_IDENTITIES 1000000L
#define MAX_FIELD 1024
#define KEEPALIVE_S 60

struct options {
    struct bench_options common; /* time_limit_s: the whole run, warm-up included */
    long identities;             /* 0: a fresh client id per iteration */
    const char* username;        /* may hold %i, replaced by the identity index */
    const char* password;        /* ORIGIN / password_file: sent as given */
    const char* signed_secret;   /* SIGNED: password derived per client id */
    const char* prefix;
    double duration_s;    /* > 0: the timed part ends after this long (or --count) */
    bool keep_going;      /* refused or unanswered connects are counted, not fatal */
    double wait_s;        /* one CONNACK */
    struct bench_tls tls; /* all NULL: plain MQTT */
};

/* The credentials of one identity index, built before timing starts. */
struct credential {
    char* client_id;
    char* username;
    char* password;
};

/* What the timed connects came to; refused and failed stay 0 without --keep-going. */
struct tally {
    long done; /* accepted: CONNACK 0 */
    long refused;
    long failed; /* no CONNACK: a network error or the wait limit */
};

enum connect_outcome { CONNECT_OK, CONNECT_REFUSED, CONNECT_FAILED };

/* Filled by the on_connect callback. */
struct connect_state {
    bool done;
    int rc;
    struct timespec at;
};

static void usage(FILE* out) {
    fprintf(out,
            "usage: connect_bench --port P --count N [--host H] [--warmup W]\n"
            "         [--username U] [--password P | --signed-secret S]\n"
            "         [--client-id-prefix PFX] [--identities K]\n"
            "         [--cafile F [--cert F --key F]]\n"
            "         [--time-limit SECONDS] [--duration SECONDS] [--keep-going]\n"
            "         [--verbose]\n"
            "  --identities K   client id i is PFX<i mod K>; without it every\n"
            "                   iteration uses a new client id\n"
            "  %%i in --username, --password or --signed-secret is replaced by\n"
            "  that identity index (one credential per identity)\n"
            "  --signed-secret  password = Base64(HMAC-SHA1(key=S, msg=client id))\n"
            "  --cafile         connect over TLS, verifying the broker against F\n"
            "                   (its certificate must name --host)\n"
            "  --cert, --key    the client certificate (PEM, may hold its chain) and\n"
            "                   its unencrypted key; one TLS context for the whole run,\n"
            "                   a full handshake per connect, TCP_NODELAY\n"
            "  --duration       end the timed connects after SECONDS (or --count of\n"
            "                   them), shorter than --time-limit\n"
            "  --keep-going     count refused and unanswered connects (refused=,\n"
            "                   failed=) and go on; n counts accepted ones\n");
}

static bool apply_option(void* ctx, int key, const char* arg) {
    struct options* o = ctx;

    switch (key) {
        case 'k': return parse_long(arg, 1, MAX_IDENTITIES, &o->identities);
        case 'u': o->username = arg; return true;
        case 'P': o->password = arg; return true;
        case 's': o->signed_secret = arg; return true;
        case 'c': o->prefix = arg; return true;
        case 'd': return parse_seconds(arg, &o->duration_s);
        case 'g': o->keep_going = true; return true;
        case 'A': o->tls.cafile = arg; return true;
        case 'C': o->tls.certfile = arg; return true;
        case 'K': o->tls.keyfile = arg; return true;
        default: return false;
    }
}

static long identity_count(const struct options* o) {
    return o->identities > 0 ? o->identities : o->common.warmup + o->common.count;
}

static bool check_args(const struct options* o) {
    const char* problem = NULL;

    if (o->common.port == 0 || o->common.count == 0)
        problem = "--port and --count are required";
    else if (o->password && o->signed_secret)
        problem = "--password and --signed-secret exclude each other";
    else if ((o->password || o->signed_secret) && !o->username)
        problem = "a password needs --username";
    else if (identity_count(o) > MAX_IDENTITIES)
        problem = "too many distinct client ids: use --identities";
    else if (o->duration_s >= o->common.time_limit_s)
        problem = "--duration must be shorter than --time-limit";
    else if (!is_loopback(o->common.host))
        problem = "--host must be a loopback address";
    else
        problem = bench_tls_problem(&o->tls);
    if (problem) fprintf(stderr, "connect_bench: %s\n", problem);
    return problem == NULL;
}

/* Returns BENCH_RUN, or the process exit status. */
static int parse_args(int argc, char** argv, struct options* o) {
    static const struct option longopts[] = {
        {"host", required_argument, NULL, BENCH_OPT_HOST},
        {"port", required_argument, NULL, BENCH_OPT_PORT},
        {"count", required_argument, NULL, BENCH_OPT_COUNT},
        {"warmup", required_argument, NULL, BENCH_OPT_WARMUP},
        {"identities", required_argument, NULL, 'k'},
        {"username", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'P'},
        {"signed-secret", required_argument, NULL, 's'},
        {"client-id-prefix", required_argument, NULL, 'c'},
        {"time-limit", required_argument, NULL, BENCH_OPT_TIME_LIMIT},
        {"duration", required_argument, NULL, 'd'},
        {"keep-going", no_argument, NULL, 'g'},
        {"cafile", required_argument, NULL, 'A'},
        {"cert", required_argument, NULL, 'C'},
        {"key", required_argument, NULL, 'K'},
        {"verbose", no_argument, NULL, BENCH_OPT_VERBOSE},
        {"help", no_argument, NULL, BENCH_OPT_HELP},
        {NULL, 0, NULL, 0}};
    static const struct bench_cli cli = {"connect_bench", longopts, MAX_COUNT, apply_option, usage};
    int rc;

    *o = (struct options){.common = {.host = "127.0.0.1", .warmup = 100, .time_limit_s = 300.0},
                          .prefix = "bench-",
                          .wait_s = 5.0};
    rc = bench_parse_args(argc, argv, &cli, &o->common, o);
    if (rc == BENCH_RUN && !check_args(o)) {
        usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    return rc;
}

/* Expands the first "%i" in pattern to index; NULL pattern gives NULL. */
static char* expand(const char* pattern, long index) {
    const char* mark;
    char buf[MAX_FIELD];
    int len;

    if (!pattern) return NULL;
    mark = strstr(pattern, "%i");
    if (mark) {
        len =
            snprintf(buf, sizeof buf, "%.*s%ld%s", (int)(mark - pattern), pattern, index, mark + 2);
    } else {
        len = snprintf(buf, sizeof buf, "%s", pattern);
    }
    if (len < 0 || (size_t)len >= sizeof buf) return NULL;
    return strdup(buf);
}

/* The SIGNED-mode password: Base64(HMAC-SHA1(key=secret, msg=client id)). */
static char* signed_password(const char* secret, const char* client_id) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];

    if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char*)client_id,
              strlen(client_id), mac, &mac_len)) {
        return NULL;
    }
    EVP_EncodeBlock(b64, mac, (int)mac_len);
    return strdup((const char*)b64);
}

static bool make_credential(const struct options* o, long index, struct credential* c) {
    char* secret = NULL;
    char id[MAX_FIELD];
    int len = snprintf(id, sizeof id, "%s%ld", o->prefix, index);

    if (len < 0 || (size_t)len >= sizeof id) return false;
    c->client_id = strdup(id);
    c->username = expand(o->username, index);
    if (o->signed_secret) {
        secret = expand(o->signed_secret, index);
        c->password = secret ? signed_password(secret, id) : NULL;
        free(secret);
    } else {
        c->password = expand(o->password, index);
    }
    return c->client_id && (c->username || !o->username) &&
           (c->password || (!o->password && !o->signed_secret));
}

static void free_credentials(struct credential* creds, long n) {
    for (long i = 0; creds && i < n; i++) {
        free(creds[i].client_id);
        free(creds[i].username);
        free(creds[i].password);
    }
    free(creds);
}

static struct credential* make_credentials(const struct options* o, long n) {
    struct credential* creds = calloc((size_t)n, sizeof *creds);

    for (long i = 0; creds && i < n; i++) {
        if (!make_credential(o, i, &creds[i])) {
            fprintf(stderr,
                    "connect_bench: cannot build credential %ld "
                    "(field longer than %d bytes?)\n",
                    i, MAX_FIELD - 1);
            free_credentials(creds, i + 1);
            return NULL;
        }
    }
    return creds;
}

static void on_connect(struct mosquitto* mosq, void* obj, int rc) {
    struct connect_state* st = obj;

    (void)mosq;
    st->at = now_mono();
    st->rc = rc;
    st->done = true;
}

/*
 * Waits for CONNACK for at most wait_s. Polls the socket and calls
 * mosquitto_loop_read rather than mosquitto_loop: the latter also selects on
 * and drains libmosquitto's internal wake-up socket pair, a few syscalls per
 * connect that would be counted against every broker alike and so blur the
 * differences between them.
 * Over TLS, mosquitto_connect can return before the handshake has finished;
 * libmosquitto then queues the CONNECT and sends it only from
 * mosquitto_loop_write, once the handshake is through (mosquitto_want_write
 * stays false while it is under way, so this never spins on POLLOUT).
 */
static int wait_connack(struct mosquitto* mosq, struct connect_state* st, double wait_s) {
    struct timespec start = now_mono();
    double left_ms = wait_s * 1e3;
    int rc = MOSQ_ERR_SUCCESS;

    while (!st->done && left_ms > 0.0) {
        struct pollfd pfd = {.fd = mosquitto_socket(mosq),
                             .events = POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0)};
        int ready = poll(&pfd, 1, (int)left_ms + 1);

        if (ready < 0 && errno != EINTR) return MOSQ_ERR_ERRNO;
        if (ready > 0 && (pfd.revents & POLLOUT)) {
            rc = mosquitto_loop_write(mosq, 1);
            if (rc != MOSQ_ERR_SUCCESS) return rc;
        }
        if (ready > 0 && (pfd.revents & ~POLLOUT)) {
            rc = mosquitto_loop_read(mosq, 1);
            if (rc != MOSQ_ERR_SUCCESS && !st->done) return rc;
        }
        struct timespec t = now_mono();
        left_ms = wait_s * 1e3 - ts_diff_us(&start, &t) / 1e3;
    }
    return st->done ? MOSQ_ERR_SUCCESS : ERR_NO_CONNACK;
}

static void report_failure(const struct options* o, const struct credential* c, const char* stage,
                           int rc) {
    if (o->keep_going) return; /* a load generator counts them instead */
    fprintf(stderr, "connect_bench: %s failed for client id '%s' username '%s': %s\n", stage,
            c->client_id, c->username ? c->username : "(none)",
            rc == ERR_NO_CONNACK ? "no CONNACK within the wait limit" : mosquitto_strerror(rc));
}

/*
 * One connect/CONNACK/disconnect cycle. mosquitto_reinitialise is how
 * libmosquitto gives one client struct a new id; it also closes the previous
 * connection's socket. So the client sends DISCONNECT and closes first,
 * without waiting for the broker to close, as most device clients do.
 * Stores the CONNECT->CONNACK latency in *latency_us.
 */
static enum connect_outcome one_connect(struct mosquitto* mosq, const struct options* o,
                                        const struct credential* c, double* latency_us) {
    struct connect_state st = {0};
    struct timespec start;
    int rc = mosquitto_reinitialise(mosq, c->client_id, true, &st);

    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_username_pw_set(mosq, c->username, c->password);
    if (rc == MOSQ_ERR_SUCCESS) rc = bench_tls_apply(mosq, &o->tls);
    if (rc != MOSQ_ERR_SUCCESS) {
        report_failure(o, c, "client setup", rc);
        return CONNECT_FAILED;
    }
    mosquitto_connect_callback_set(mosq, on_connect);
    start = now_mono();
    rc = mosquitto_connect(mosq, o->common.host, o->common.port, KEEPALIVE_S);
    if (rc == MOSQ_ERR_SUCCESS) rc = wait_connack(mosq, &st, o->wait_s);
    if (rc != MOSQ_ERR_SUCCESS) {
        report_failure(o, c, "connect", rc);
        return CONNECT_FAILED;
    }
    if (st.rc != 0) {
        /* Refused connects cost the broker something else entirely: stop
         * (unless this is a load generator, which counts them). */
        if (o->keep_going) return CONNECT_REFUSED;
        fprintf(stderr,
                "connect_bench: CONNACK refused (rc=%d: %s) for client id '%s' "
                "username '%s'\n",
                st.rc, mosquitto_connack_string(st.rc), c->client_id,
                c->username ? c->username : "(none)");
        return CONNECT_REFUSED;
    }
    *latency_us = ts_diff_us(&start, &st.at);
    mosquitto_disconnect(mosq);
    return CONNECT_OK;
}

/*
 * Runs iterations [first, first + n), fewer once stop_at (NULL: never) has
 * passed; latencies may be NULL (warm-up). Counts the outcomes in *t.
 */
static bool run_range(struct mosquitto* mosq, const struct options* o,
                      const struct credential* creds, long first, long n, double* latencies,
                      const struct timespec* deadline, const struct timespec* stop_at,
                      struct tally* t) {
    long ids = identity_count(o);
    double lat = 0.0;

    for (long i = 0; i < n; i++) {
        struct timespec now = now_mono();
        if (stop_at && ts_diff_us(&now, stop_at) <= 0.0) break;
        if (ts_diff_us(&now, deadline) < 0.0) {
            fprintf(stderr,
                    "connect_bench: time limit of %.0f s reached after %ld "
                    "iterations\n",
                    o->common.time_limit_s, first + i);
            return false;
        }
        switch (one_connect(mosq, o, &creds[(first + i) % ids], &lat)) {
            case CONNECT_OK:
                if (latencies) latencies[t->done] = lat;
                t->done++;
                break;
            case CONNECT_REFUSED:
                if (!o->keep_going) return false;
                t->refused++;
                break;
            case CONNECT_FAILED:
                if (!o->keep_going) return false;
                t->failed++;
                break;
        }
    }
    return true;
}

static struct timespec after_seconds(struct timespec t, double seconds) {
    long long ns = (long long)t.tv_nsec + (long long)(seconds * 1e9);

    t.tv_sec += (time_t)(ns / 1000000000LL);
    t.tv_nsec = (long)(ns % 1000000000LL);
    return t;
}

static bool run_bench(struct mosquitto* mosq, const struct options* o,
                      const struct credential* creds, double* latencies) {
    struct timespec deadline = now_mono(), start, end, stop_at;
    struct tally warm = {0}, timed = {0};
    double cpu0, cpu1, elapsed_us;
    long n;

    deadline.tv_sec += (time_t)o->common.time_limit_s;
    if (!run_range(mosq, o, creds, 0, o->common.warmup, NULL, &deadline, NULL, &warm)) return false;
    cpu0 = cpu_seconds();
    start = now_mono();
    stop_at = after_seconds(start, o->duration_s);
    if (!run_range(mosq, o, creds, o->common.warmup, o->common.count, latencies, &deadline,
                   o->duration_s > 0.0 ? &stop_at : NULL, &timed)) {
        return false;
    }
    end = now_mono();
    cpu1 = cpu_seconds();
    elapsed_us = ts_diff_us(&start, &end);
    n = timed.done;
    sort_doubles(latencies, n);
    printf("connects_per_s=%.1f p50_us=%.1f p99_us=%.1f n=%ld", (double)n / (elapsed_us / 1e6),
           n ? percentile(latencies, n, 50.0) : 0.0, n ? percentile(latencies, n, 99.0) : 0.0, n);
    if (o->keep_going) printf(" refused=%ld failed=%ld", timed.refused, timed.failed);
    printf("\n");
    if (o->common.verbose && n > 0) {
        /* The client's own CPU per iteration: a share of every figure. */
        fprintf(stderr, "client_cpu_us_per_connect=%.1f wall_us_per_connect=%.1f\n",
                (cpu1 - cpu0) * 1e6 / (double)n, elapsed_us / (double)n);
    }
    return true;
}

int main(int argc, char** argv) {
    struct options o;
    struct credential* creds;
    struct mosquitto* mosq;
    double* latencies;
    bool ok = false;
    int rc = parse_args(argc, argv, &o);

    if (rc != BENCH_RUN) return rc;
    /*
     * Last-resort guard: the loops check the time limit, but a blocking
     * connect() could still hang on a wedged broker; SIGALRM ends us.
     */
    alarm((unsigned)(o.common.time_limit_s + 2 * o.wait_s));
    creds = make_credentials(&o, identity_count(&o));
    latencies = calloc((size_t)o.common.count, sizeof *latencies);
    mosquitto_lib_init();
    mosq = mosquitto_new(NULL, true, NULL);
    if (!creds || !latencies || !mosq) {
        fprintf(stderr, "connect_bench: out of memory\n");
    } else if (bench_tls_prepare(&o.tls, o.common.host)) {
        ok = run_bench(mosq, &o, creds, latencies);
    }
    mosquitto_destroy(mosq);
    bench_tls_release(&o.tls);
    mosquitto_lib_cleanup();
    free(latencies);
    free_credentials(creds, creds ? identity_count(&o) : 0);
    return ok ? EXIT_SUCCESS : BENCH_EXIT_FAILED;
}
