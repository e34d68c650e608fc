// SPDX-License-Identifier: Apache-2.0
/*
 * device_registration_bench: first connects of NEW device certificates, one after another, with
 * OpenSSL and hand-written MQTT 3.1.1 packets.
 *
 * mqauth registers a device certificate in its device registry the first time it connects,
 * before the CONNACK, on the broker's one thread. A registry whose cost grows with the number of
 * devices already registered (the YAML file, rewritten whole per registration) slows every first
 * connect and stalls every other client meanwhile. This client measures both: the rate of first
 * connects, and the longest time the broker answered nobody else.
 *
 * Before timing it issues --warmup + --count certificates in memory, each never seen before:
 * an EC P-256 key, a random positive 16-byte serial, subject CN=<--prefix><serial in hex>,
 * valid from an hour ago for a year, extendedKeyUsage clientAuth, signed with SHA-256 by the
 * device CA (--ca-cert, --ca-key). So every run, warm-up included, registers new devices, and no
 * two runs share a serial (random 127-bit serials do not meet; within a run it is checked).
 * That takes ~0.4 ms a certificate on a 2-core VM (--verbose says how long).
 *
 * Each iteration: TCP connect (TCP_NODELAY), a full TLS handshake presenting the next
 * certificate (no session resumption, no SNI; the broker's certificate is verified against
 * --cafile and must name --host), CONNECT (clean session, client id = the CN, no username),
 * CONNACK, DISCONNECT, close without waiting for the broker. Latency: TCP connect to CONNACK.
 *
 * With --probe-port, a second client, connected before the timed part (plain MQTT, anonymous),
 * sends PINGREQ and waits for its PINGRESP back to back on its own thread for the whole timed
 * part: its longest round trip is the longest the broker's one thread kept everyone waiting.
 * That includes a TLS handshake step (the broker answers between steps) and, when the broker
 * shares a CPU with this client, the broker's wait for that CPU; --probe-cpu keeps the probe's
 * own round trips off it.
 *
 * A refused connect (CONNACK return code not 0, or a TLS alert from the broker: the certificate
 * refused in the handshake) is counted and the run goes on; the client then reports them on
 * stderr and exits 1 without a figure: a refused device was not registered, so the rate would
 * not be one of registrations. A connect that fails otherwise (network error, no CONNACK within
 * --wait) ends the run at once.
 *
 * Output (stdout, one line; also appended to --result-file):
 *   connects_per_s=<float> p50_us=<float> p99_us=<float> max_us=<float>
 *   probe_max_pause_us=<float> n=<N>
 * connects_per_s counts whole iterations; p50/p99/max are latencies; probe_max_pause_us, only
 * with --probe-port, the probe's longest round trip. Only loopback hosts are accepted.
 */
#define _GNU_SOURCE /* pthread_attr_setaffinity_np, for --probe-cpu */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "bench_util.h"

#include <mosquitto.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Certificates live in memory (~5 KB each with their keys) until the run ends. */
#define MAX_COUNT 200000L
#define SERIAL_BYTES 16
/* The prefix and the serial in hex make the CN: at most 64 characters (ub-common-name). */
#define MAX_PREFIX (64 - 2 * SERIAL_BYTES + 1)
#define MAX_CN (MAX_PREFIX + 2 * SERIAL_BYTES + 1)
#define KEEPALIVE_S 60
#define VALID_DAYS 365
#define BACKDATE_S 3600L

/* MQTT 3.1.1 fixed headers. */
#define MQTT_CONNACK 0x20
#define MQTT_PINGREQ 0xC0
#define MQTT_PINGRESP 0xD0
#define MQTT_DISCONNECT 0xE0

struct options {
    struct bench_options common; /* host: an IPv4 loopback address */
    struct bench_tls tls;        /* cafile only: verifies the broker; the certificates are ours */
    const char* ca_cert;         /* the device CA that issues the certificates */
    const char* ca_key;
    const char* prefix;      /* of every CN */
    int probe_port;          /* 0: no probe */
    long probe_cpu;          /* -1: the probe runs wherever the process may */
    double wait_s;           /* one CONNACK, one PINGRESP */
    const char* result_file; /* NULL, or where the output line is appended too */
};

/* One device: a certificate issued before timing starts, and its key. */
struct device {
    X509* cert;
    EVP_PKEY* key;
    unsigned char serial[SERIAL_BYTES];
    char cn[MAX_CN];
};

enum connect_outcome { CONNECT_OK, CONNECT_REFUSED, CONNECT_FAILED };

/* Refusals of one part of the run (warm-up or timed). */
struct refusals {
    long by_connack; /* CONNACK return code not 0 */
    long by_alert;   /* a TLS alert from the broker: the certificate refused in the handshake */
    char first[512]; /* what the first one was */
};

/* The probe's thread and what it found. */
struct probe {
    const struct options* o;
    int fd;
    pthread_t thread;
    atomic_bool stop;
    double max_rtt_us;
    long pings;
    bool failed;
};

static void usage(FILE* out) {
    fprintf(out,
            "usage: device_registration_bench --port P --count N --cafile F\n"
            "         --ca-cert F --ca-key F [--host H] [--warmup W] [--probe-port P]\n"
            "         [--probe-cpu N] [--prefix PFX] [--wait SECONDS] [--time-limit SECONDS]\n"
            "         [--result-file F] [--verbose]\n"
            "  --cafile       the CA(s) that verify the broker's certificate (it must name\n"
            "                 --host)\n"
            "  --ca-cert, --ca-key  the device CA (PEM, key unencrypted) that issues a new\n"
            "                 certificate for every connect, warm-up included\n"
            "  --probe-port   a plain MQTT listener of the same broker, open to anonymous\n"
            "                 clients: PINGREQ back to back during the timed connects, for\n"
            "                 probe_max_pause_us\n"
            "  --probe-cpu    run the probe's thread on CPU N only: off the CPU that the\n"
            "                 connects and the broker share, its round trips do not wait\n"
            "                 for the client's own TLS work\n"
            "  --prefix       the CNs' (and client ids') prefix before the serial in hex\n"
            "                 (default dev-)\n"
            "  --wait         the longest wait for one CONNACK or PINGRESP (default 30)\n"
            "  --result-file  append the output line to F as well (scripts/bench keeps each\n"
            "                 side's rounds so)\n"
            "  --verbose      generation time, the client's CPU per connect, the probe's\n"
            "                 round trips, on stderr\n");
}

static bool apply_option(void* ctx, int key, const char* arg) {
    struct options* o = ctx;
    long port = 0;

    switch (key) {
        case 'A': o->tls.cafile = arg; return true;
        case 'c': o->ca_cert = arg; return true;
        case 'k': o->ca_key = arg; return true;
        case 'x':
            if (strlen(arg) >= MAX_PREFIX) return false;
            o->prefix = arg;
            return true;
        case 'p':
            if (!parse_long(arg, 1, 65535, &port)) return false;
            o->probe_port = (int)port;
            return true;
        case 'w': return parse_seconds(arg, &o->wait_s);
        case 'C': return parse_long(arg, 0, CPU_SETSIZE - 1, &o->probe_cpu);
        case 'r': o->result_file = arg; return true;
        default: return false;
    }
}

static bool check_args(const struct options* o) {
    const char* problem = NULL;
    struct in_addr v4;

    if (o->common.port == 0 || o->common.count == 0)
        problem = "--port and --count are required";
    else if (!o->tls.cafile || !o->ca_cert || !o->ca_key)
        problem = "--cafile, --ca-cert and --ca-key are required";
    else if (access(o->ca_cert, R_OK) != 0 || access(o->ca_key, R_OK) != 0)
        problem = "--ca-cert or --ca-key is not readable";
    else if (!is_loopback(o->common.host) || inet_pton(AF_INET, o->common.host, &v4) != 1)
        problem = "--host must be an IPv4 loopback address";
    else if (o->probe_cpu >= 0 && o->probe_port == 0)
        problem = "--probe-cpu needs --probe-port";
    else if (o->common.warmup + o->common.count > MAX_COUNT)
        problem = "--warmup plus --count is too many certificates to hold in memory";
    else
        problem = bench_tls_problem(&o->tls);
    if (problem) fprintf(stderr, "device_registration_bench: %s\n", problem);
    return problem == NULL;
}

/* Returns BENCH_RUN, or the process exit status. */
static int parse_args(int argc, char** argv, struct options* o) {
    static const struct option longopts[] = {
        {"host", required_argument, NULL, BENCH_OPT_HOST},
        {"port", required_argument, NULL, BENCH_OPT_PORT},
        {"count", required_argument, NULL, BENCH_OPT_COUNT},
        {"warmup", required_argument, NULL, BENCH_OPT_WARMUP},
        {"cafile", required_argument, NULL, 'A'},
        {"ca-cert", required_argument, NULL, 'c'},
        {"ca-key", required_argument, NULL, 'k'},
        {"prefix", required_argument, NULL, 'x'},
        {"probe-port", required_argument, NULL, 'p'},
        {"probe-cpu", required_argument, NULL, 'C'},
        {"wait", required_argument, NULL, 'w'},
        {"result-file", required_argument, NULL, 'r'},
        {"time-limit", required_argument, NULL, BENCH_OPT_TIME_LIMIT},
        {"verbose", no_argument, NULL, BENCH_OPT_VERBOSE},
        {"help", no_argument, NULL, BENCH_OPT_HELP},
        {NULL, 0, NULL, 0}};
    static const struct bench_cli cli = {"device_registration_bench", longopts, MAX_COUNT,
                                         apply_option, usage};
    int rc;

    *o = (struct options){.common = {.host = "127.0.0.1", .warmup = 20, .time_limit_s = 300.0},
                          .prefix = "dev-",
                          .probe_cpu = -1,
                          .wait_s = 30.0};
    rc = bench_parse_args(argc, argv, &cli, &o->common, o);
    if (rc == BENCH_RUN && !check_args(o)) {
        usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    return rc;
}

static bool past(const struct timespec* deadline) {
    struct timespec t = now_mono();

    return ts_diff_us(&t, deadline) < 0.0;
}

static void report_openssl(const char* what) {
    fprintf(stderr, "device_registration_bench: %s:\n", what);
    ERR_print_errors_fp(stderr);
}

/* ------------------------------------------------------------------ issuing */

/* The device CA: its certificate and key, which must belong together. */
struct issuer {
    X509* cert;
    EVP_PKEY* key;
};

static bool load_issuer(const struct options* o, struct issuer* ca) {
    FILE* f = fopen(o->ca_cert, "r");

    ca->cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    f = fopen(o->ca_key, "r");
    ca->key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (!ca->cert || !ca->key || X509_check_private_key(ca->cert, ca->key) != 1) {
        report_openssl(
            "cannot use --ca-cert and --ca-key (PEM, the key unencrypted and the "
            "certificate's)");
        return false;
    }
    if (X509_check_ca(ca->cert) == 0) {
        fprintf(stderr, "device_registration_bench: %s is not a CA certificate\n", o->ca_cert);
        return false;
    }
    return true;
}

static bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    bool ok = ext && X509_add_ext(cert, ext, -1) == 1;

    X509_EXTENSION_free(ext);
    return ok;
}

/* A random positive serial of SERIAL_BYTES whose top byte is 0x10..0x7f: it prints without a
 * leading zero (as tests/integration/tls_material.py's random_serial). */
static bool random_serial(unsigned char serial[SERIAL_BYTES]) {
    if (RAND_bytes(serial, SERIAL_BYTES) != 1) return false;
    serial[0] = (unsigned char)(0x10 + serial[0] % 0x70);
    return true;
}

static bool set_serial(X509* cert, const unsigned char serial[SERIAL_BYTES]) {
    BIGNUM* number = BN_bin2bn(serial, SERIAL_BYTES, NULL);
    ASN1_INTEGER* integer = number ? BN_to_ASN1_INTEGER(number, NULL) : NULL;
    bool ok = integer && X509_set_serialNumber(cert, integer) == 1;

    ASN1_INTEGER_free(integer);
    BN_free(number);
    return ok;
}

static bool set_validity(X509* cert) {
    return X509_gmtime_adj(X509_getm_notBefore(cert), -BACKDATE_S) &&
           X509_time_adj_ex(X509_getm_notAfter(cert), VALID_DAYS, 0, NULL);
}

/* Issues one device certificate (see the header) into d. */
static bool issue(const struct options* o, const struct issuer* ca, struct device* d) {
    static const char hex[] = "0123456789ABCDEF";
    X509* cert = X509_new();
    X509_NAME* subject = X509_NAME_new();
    X509V3_CTX ctx;
    int len = snprintf(d->cn, sizeof d->cn, "%s", o->prefix);
    bool ok;

    for (int i = 0; i < SERIAL_BYTES; i++) d->serial[i] = 0;
    d->key = EVP_EC_gen("P-256");
    ok = cert && subject && d->key && random_serial(d->serial);
    for (int i = 0; ok && i < SERIAL_BYTES; i++) {
        d->cn[len++] = hex[d->serial[i] >> 4];
        d->cn[len++] = hex[d->serial[i] & 0xF];
    }
    d->cn[len] = '\0';
    ok = ok && X509_set_version(cert, X509_VERSION_3) == 1 && set_serial(cert, d->serial) &&
         X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_ASC,
                                    (const unsigned char*)d->cn, -1, -1, 0) == 1 &&
         X509_set_subject_name(cert, subject) == 1 &&
         X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) == 1 && set_validity(cert) &&
         X509_set_pubkey(cert, d->key) == 1;
    if (ok) {
        X509V3_set_ctx(&ctx, ca->cert, cert, NULL, NULL, 0);
        ok = add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
             add_extension(cert, &ctx, NID_key_usage, "critical,digitalSignature") &&
             add_extension(cert, &ctx, NID_ext_key_usage, "clientAuth") &&
             add_extension(cert, &ctx, NID_subject_key_identifier, "hash") &&
             add_extension(cert, &ctx, NID_authority_key_identifier, "keyid") &&
             X509_sign(cert, ca->key, EVP_sha256()) > 0;
    }
    X509_NAME_free(subject);
    if (!ok) {
        report_openssl("cannot issue a device certificate");
        X509_free(cert);
        return false;
    }
    d->cert = cert;
    return true;
}

static int cmp_serial(const void* a, const void* b) {
    return memcmp(((const struct device*)a)->serial, ((const struct device*)b)->serial,
                  SERIAL_BYTES);
}

/* Random serials make a repeat all but impossible; a broken random source would not. Checked on
 * a sorted copy, so the devices keep the order they were issued in. */
static bool serials_distinct(const struct device* devices, long n) {
    struct device* sorted = malloc((size_t)n * sizeof *sorted);
    bool distinct = sorted != NULL;

    if (sorted) {
        memcpy(sorted, devices, (size_t)n * sizeof *sorted);
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_serial);
        for (long i = 1; distinct && i < n; i++) distinct = cmp_serial(&sorted[i - 1], &sorted[i]);
    }
    free(sorted);
    if (!distinct) fprintf(stderr, "device_registration_bench: two serials are equal\n");
    return distinct;
}

static void free_devices(struct device* devices, long n) {
    for (long i = 0; devices && i < n; i++) {
        X509_free(devices[i].cert);
        EVP_PKEY_free(devices[i].key);
    }
    free(devices);
}

/* Issues n certificates; NULL after reporting why not. */
static struct device* issue_devices(const struct options* o, long n,
                                    const struct timespec* deadline) {
    struct issuer ca = {0};
    struct device* devices = calloc((size_t)n, sizeof *devices);
    bool ok = devices && load_issuer(o, &ca);
    EVP_PKEY* ca_public = ca.cert ? X509_get0_pubkey(ca.cert) : NULL;

    for (long i = 0; ok && i < n; i++) {
        if (i % 1000 == 0 && past(deadline)) {
            fprintf(stderr, "device_registration_bench: time limit reached issuing certificates\n");
            ok = false;
        }
        ok = ok && issue(o, &ca, &devices[i]);
    }
    /* The first one checked by the CA's key, as the broker will. */
    if (ok && X509_verify(devices[0].cert, ca_public) != 1) {
        report_openssl("an issued certificate does not verify with the CA's key");
        ok = false;
    }
    ok = ok && serials_distinct(devices, n);
    X509_free(ca.cert);
    EVP_PKEY_free(ca.key);
    if (!ok) {
        if (!devices) fprintf(stderr, "device_registration_bench: out of memory\n");
        free_devices(devices, n);
        return NULL;
    }
    return devices;
}

/* ------------------------------------------------------------------ sockets and MQTT */

/* A TCP connection to host:port with TCP_NODELAY, whose reads and writes give up after
 * wait_s; -1 after reporting why not. */
static int connect_tcp(const struct options* o, int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval limit = {
        .tv_sec = (time_t)o->wait_s,
        .tv_usec = (suseconds_t)((o->wait_s - (double)(time_t)o->wait_s) * 1e6)};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    inet_pton(AF_INET, o->common.host, &address.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
        fprintf(stderr, "device_registration_bench: connect to port %d: %s\n", port,
                strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    return fd;
}

/* An MQTT 3.1.1 CONNECT: clean session, no username, client id as given; its length. */
static size_t connect_packet(unsigned char* out, const char* client_id) {
    size_t id_len = strlen(client_id), remaining = 10 + 2 + id_len, n = 0;

    out[n++] = 0x10;
    do { /* the remaining length, 7 bits a byte */
        unsigned char byte = remaining % 128;
        remaining /= 128;
        out[n++] = remaining ? (unsigned char)(byte | 0x80) : byte;
    } while (remaining);
    memcpy(out + n, "\x00\x04MQTT\x04\x02", 8); /* protocol name, level 4, clean session */
    n += 8;
    out[n++] = KEEPALIVE_S >> 8;
    out[n++] = KEEPALIVE_S & 0xFF;
    out[n++] = (unsigned char)(id_len >> 8);
    out[n++] = (unsigned char)(id_len & 0xFF);
    memcpy(out + n, client_id, id_len);
    return n + id_len;
}

/* Whole writes and reads on a plain socket (the probe), within its SO_*TIMEO. */
static bool write_all(int fd, const unsigned char* data, size_t n) {
    while (n > 0) {
        ssize_t put = write(fd, data, n);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return false;
        data += put;
        n -= (size_t)put;
    }
    return true;
}

static bool read_all(int fd, unsigned char* data, size_t n) {
    while (n > 0) {
        ssize_t got = read(fd, data, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        data += got;
        n -= (size_t)got;
    }
    return true;
}

/* ------------------------------------------------------------------ the probe */

/* Connects the probe (anonymous, plain MQTT) and waits for its CONNACK 0. */
static bool probe_connect(struct probe* p) {
    unsigned char packet[128], connack[4];
    char client_id[64];
    size_t n;

    snprintf(client_id, sizeof client_id, "registration-probe-%ld", (long)getpid());
    p->fd = connect_tcp(p->o, p->o->probe_port);
    if (p->fd < 0) return false;
    n = connect_packet(packet, client_id);
    if (!write_all(p->fd, packet, n) || !read_all(p->fd, connack, sizeof connack)) {
        fprintf(stderr, "device_registration_bench: the probe got no CONNACK on port %d\n",
                p->o->probe_port);
        return false;
    }
    if (connack[0] != MQTT_CONNACK || connack[1] != 2 || connack[3] != 0) {
        fprintf(stderr,
                "device_registration_bench: the probe was refused on port %d (CONNACK rc=%d: "
                "%s); it needs a plain listener open to anonymous clients\n",
                p->o->probe_port, connack[3], mosquitto_connack_string(connack[3]));
        return false;
    }
    return true;
}

/* The probe's thread: PINGREQ, PINGRESP, again, until told to stop; the longest round trip. */
static void* probe_main(void* arg) {
    static const unsigned char pingreq[2] = {MQTT_PINGREQ, 0};
    struct probe* p = arg;
    unsigned char pingresp[2];

    while (!atomic_load(&p->stop)) {
        struct timespec start = now_mono(), end;
        double rtt;

        if (!write_all(p->fd, pingreq, sizeof pingreq) ||
            !read_all(p->fd, pingresp, sizeof pingresp) || pingresp[0] != MQTT_PINGRESP ||
            pingresp[1] != 0) {
            p->failed = true;
            break;
        }
        end = now_mono();
        rtt = ts_diff_us(&start, &end);
        if (rtt > p->max_rtt_us) p->max_rtt_us = rtt;
        p->pings++;
    }
    return NULL;
}

static bool probe_start(struct probe* p) {
    pthread_attr_t attributes;
    cpu_set_t cpus;
    bool ok;

    atomic_store(&p->stop, false);
    CPU_ZERO(&cpus);
    if (p->o->probe_cpu >= 0) CPU_SET((int)p->o->probe_cpu, &cpus);
    ok = pthread_attr_init(&attributes) == 0;
    if (ok) {
        ok = (p->o->probe_cpu < 0 ||
              pthread_attr_setaffinity_np(&attributes, sizeof cpus, &cpus) == 0) &&
             pthread_create(&p->thread, &attributes, probe_main, p) == 0;
        pthread_attr_destroy(&attributes);
    }
    if (!ok) {
        fprintf(stderr, "device_registration_bench: cannot start the probe's thread%s\n",
                p->o->probe_cpu >= 0 ? " on --probe-cpu" : "");
    }
    return ok;
}

/* Stops the probe (after its round trip under way) and says whether it worked throughout. */
static bool probe_finish(struct probe* p) {
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    if (p->failed) {
        fprintf(stderr,
                "device_registration_bench: the probe lost its connection or got no PINGRESP "
                "within %.0f s\n",
                p->o->wait_s);
    } else if (p->pings == 0) {
        fprintf(stderr, "device_registration_bench: the probe completed no round trip\n");
    }
    return !p->failed && p->pings > 0;
}

/* ------------------------------------------------------------------ device connects */

static void note_refusal(struct refusals* r, const struct device* d, const char* why) {
    if (r->by_connack + r->by_alert == 1) {
        snprintf(r->first, sizeof r->first, "client id '%s': %s", d->cn, why);
    }
}

/* Whether OpenSSL's oldest queued error is an alert the broker sent (it refused the
 * certificate), rather than a failure on this side (the broker's certificate not verifying). */
static bool alert_from_broker(void) {
    unsigned long e = ERR_peek_error();

    return ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) >= SSL_AD_REASON_OFFSET;
}

/* Counts a refusal by TLS alert, or reports another TLS failure; clears OpenSSL's errors. */
static enum connect_outcome tls_failure(const struct device* d, const char* stage, int saved_errno,
                                        struct refusals* r) {
    char why[300];
    int len = snprintf(why, sizeof why, "%s: ", stage);
    bool alert = alert_from_broker();

    if (ERR_peek_error() != 0) {
        ERR_error_string_n(ERR_peek_error(), why + len, sizeof why - (size_t)len);
    } else {
        snprintf(why + len, sizeof why - (size_t)len, "%s",
                 saved_errno == 0 ? "the broker closed the connection"
                 : saved_errno == EAGAIN || saved_errno == EWOULDBLOCK
                     ? "no answer within the --wait limit"
                     : strerror(saved_errno));
    }
    ERR_clear_error();
    if (alert) {
        r->by_alert++;
        note_refusal(r, d, why);
        return CONNECT_REFUSED;
    }
    fprintf(stderr, "device_registration_bench: client id '%s': %s\n", d->cn, why);
    return CONNECT_FAILED;
}

/* Reads the CONNACK (TLS 1.3 session tickets before it are taken in stride); its return code in
 * *rc. */
static enum connect_outcome read_connack(SSL* ssl, const struct device* d, int* rc,
                                         struct refusals* r) {
    unsigned char connack[4];
    size_t have = 0;

    while (have < sizeof connack) {
        int got;

        errno = 0;
        got = SSL_read(ssl, connack + have, (int)(sizeof connack - have));
        if (got <= 0) return tls_failure(d, "waiting for CONNACK", errno, r);
        have += (size_t)got;
    }
    if (connack[0] != MQTT_CONNACK || connack[1] != 2) {
        fprintf(stderr, "device_registration_bench: not a CONNACK for client id '%s'\n", d->cn);
        return CONNECT_FAILED;
    }
    *rc = connack[3];
    return CONNECT_OK;
}

/* The TLS connection of one connect through the CONNACK: CONNECT_OK with its return code in
 * *rc. */
static enum connect_outcome tls_connect(SSL* ssl, const struct device* d, int* rc,
                                        struct refusals* r) {
    unsigned char packet[16 + MAX_CN];
    size_t n = connect_packet(packet, d->cn);

    errno = 0;
    if (SSL_connect(ssl) != 1) {
        /* TLS 1.2 refuses a certificate here; TLS 1.3 only after it, see below. */
        return tls_failure(d, "TLS handshake", errno, r);
    }
    /* A failed write goes on to the read, which finds out why: in TLS 1.3 the broker refuses a
     * certificate after the client's last handshake message, so the CONNECT can meet a reset
     * connection while the broker's alert waits to be read. */
    if (SSL_write(ssl, packet, (int)n) != (int)n) ERR_clear_error();
    return read_connack(ssl, d, rc, r);
}

/* One first connect of device d; its TCP-connect-to-CONNACK latency in *latency_us. */
static enum connect_outcome one_connect(SSL_CTX* ctx, const struct options* o,
                                        const struct device* d, double* latency_us,
                                        struct refusals* r) {
    static const unsigned char disconnect[2] = {MQTT_DISCONNECT, 0};
    struct timespec start = now_mono(), done;
    enum connect_outcome outcome = CONNECT_FAILED;
    int fd = connect_tcp(o, o->common.port), rc = 0;
    SSL* ssl;

    if (fd < 0) return CONNECT_FAILED;
    ssl = SSL_new(ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_use_certificate(ssl, d->cert) != 1 ||
        SSL_use_PrivateKey(ssl, d->key) != 1) {
        report_openssl("cannot set up a TLS connection");
    } else if ((outcome = tls_connect(ssl, d, &rc, r)) == CONNECT_OK) {
        done = now_mono();
        *latency_us = ts_diff_us(&start, &done);
        if (rc != 0) {
            char why[128];
            snprintf(why, sizeof why, "CONNACK rc=%d (%s)", rc, mosquitto_connack_string(rc));
            r->by_connack++;
            note_refusal(r, d, why);
            outcome = CONNECT_REFUSED;
        } else {
            /* As most devices do: DISCONNECT and close, without waiting for the broker. */
            SSL_write(ssl, disconnect, sizeof disconnect);
        }
    }
    SSL_free(ssl);
    close(fd);
    return outcome;
}

/* Connects devices [0, n); latencies may be NULL (warm-up). Refusals are counted in r and the
 * run goes on; any other failure ends it (false). *accepted: how many latencies were stored. */
static bool run_range(SSL_CTX* ctx, const struct options* o, const struct device* devices, long n,
                      double* latencies, long* accepted, struct refusals* r,
                      const struct timespec* deadline) {
    double latency = 0.0;

    *accepted = 0;
    for (long i = 0; i < n; i++) {
        if (past(deadline)) {
            fprintf(stderr, "device_registration_bench: time limit of %.0f s reached\n",
                    o->common.time_limit_s);
            return false;
        }
        switch (one_connect(ctx, o, &devices[i], &latency, r)) {
            case CONNECT_OK:
                if (latencies) latencies[*accepted] = latency;
                ++*accepted;
                break;
            case CONNECT_REFUSED: break;
            case CONNECT_FAILED: return false;
        }
    }
    return true;
}

static bool report_refusals(const char* part, const struct refusals* r, long n) {
    long refused = r->by_connack + r->by_alert;

    if (refused == 0) return true;
    fprintf(stderr,
            "device_registration_bench: %ld of %ld %s connects were REFUSED (%ld by CONNACK, %ld "
            "by a TLS alert: the certificate refused in the handshake); the first: %s\n",
            refused, n, part, r->by_connack, r->by_alert, r->first);
    return false;
}

/* The output line to --result-file too, if given. */
static bool append_result(const struct options* o, const char* line) {
    FILE* f;
    bool ok;

    if (!o->result_file) return true;
    f = fopen(o->result_file, "a");
    ok = f && fputs(line, f) >= 0;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) {
        fprintf(stderr, "device_registration_bench: cannot append to %s: %s\n", o->result_file,
                strerror(errno));
    }
    return ok;
}

static bool run_bench(SSL_CTX* ctx, const struct options* o, const struct device* devices,
                      double* latencies, struct probe* p, const struct timespec* deadline) {
    struct refusals warm = {0}, timed = {0};
    struct timespec start, end;
    double cpu0, cpu1, elapsed_us;
    long n = o->common.count, accepted = 0;
    char line[256];
    bool ok;

    if (!run_range(ctx, o, devices, o->common.warmup, NULL, &accepted, &warm, deadline)) {
        return false;
    }
    /* Connected now, not before the warm-up: a long warm-up could outlast its keep-alive. */
    if (p && (!probe_connect(p) || !probe_start(p))) return false;
    cpu0 = cpu_seconds();
    start = now_mono();
    ok = run_range(ctx, o, devices + o->common.warmup, n, latencies, &accepted, &timed, deadline);
    end = now_mono();
    cpu1 = cpu_seconds();
    if (p) ok = probe_finish(p) && ok;
    ok = report_refusals("warm-up", &warm, o->common.warmup) && ok;
    ok = report_refusals("timed", &timed, n) && ok;
    if (!ok) return false;
    elapsed_us = ts_diff_us(&start, &end);
    sort_doubles(latencies, n);
    snprintf(line, sizeof line, "connects_per_s=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f",
             (double)n / (elapsed_us / 1e6), percentile(latencies, n, 50.0),
             percentile(latencies, n, 99.0), latencies[n - 1]);
    if (p) {
        snprintf(line + strlen(line), sizeof line - strlen(line), " probe_max_pause_us=%.1f",
                 p->max_rtt_us);
    }
    snprintf(line + strlen(line), sizeof line - strlen(line), " n=%ld\n", n);
    if (!append_result(o, line)) return false;
    fputs(line, stdout);
    if (o->common.verbose) {
        /* The client's CPU per connect (the probe's included): a share of every figure. */
        fprintf(stderr, "client_cpu_us_per_connect=%.1f wall_us_per_connect=%.1f",
                (cpu1 - cpu0) * 1e6 / (double)n, elapsed_us / (double)n);
        if (p) fprintf(stderr, " probe_round_trips=%ld", p->pings);
        fprintf(stderr, "\n");
    }
    return true;
}

int main(int argc, char** argv) {
    struct options o;
    struct device* devices = NULL;
    struct probe probe = {0};
    struct timespec deadline, issued_from, issued_to;
    double* latencies = NULL;
    long total;
    bool ok = false;
    int rc = parse_args(argc, argv, &o);

    if (rc != BENCH_RUN) return rc;
    total = o.common.warmup + o.common.count;
    signal(SIGPIPE, SIG_IGN); /* a broker that closed first is an error to report, not a kill */
    /* Last resort: the loops check the time limit, but one read may wait up to --wait. */
    alarm((unsigned)(o.common.time_limit_s + 2 * o.wait_s));
    deadline = now_mono();
    deadline.tv_sec += (time_t)o.common.time_limit_s;
    latencies = calloc((size_t)o.common.count, sizeof *latencies);
    if (!latencies) {
        fprintf(stderr, "device_registration_bench: out of memory\n");
        return BENCH_EXIT_FAILED;
    }
    issued_from = now_mono();
    devices = issue_devices(&o, total, &deadline);
    issued_to = now_mono();
    if (devices && o.common.verbose) {
        fprintf(stderr, "issued %ld certificates in %.3f s (%.1f us each): %s ... %s\n", total,
                ts_diff_us(&issued_from, &issued_to) / 1e6,
                ts_diff_us(&issued_from, &issued_to) / (double)total, devices[0].cn,
                devices[total - 1].cn);
    }
    probe.o = &o;
    probe.fd = -1;
    if (devices && bench_tls_prepare(&o.tls, o.common.host)) {
        ok = run_bench(o.tls.context, &o, devices, latencies, o.probe_port ? &probe : NULL,
                       &deadline);
    }
    if (probe.fd >= 0) close(probe.fd);
    bench_tls_release(&o.tls);
    free_devices(devices, devices ? total : 0);
    free(latencies);
    return ok ? EXIT_SUCCESS : BENCH_EXIT_FAILED;
}
