// SPDX-License-Identifier: Apache-2.0
/*
 * publish_bench: QoS 0 publish throughput benchmark on libmosquitto.
 *
 * One publisher and one subscriber, two MQTT 3.1.1 connections in one
 * process. The subscriber subscribes to the topic (QoS 0) and its SUBACK must
 * grant it; then the publisher sends N messages as fast as it can while at
 * most --window messages are in flight (published, not yet received), so the
 * broker never has a reason to drop QoS 0 messages for a slow consumer. Every
 * message therefore passes the broker's ACL check twice: WRITE on PUBLISH and
 * READ on delivery to the subscriber.
 *
 * Output (stdout, one line):
 *   messages_per_s=<float> n=<N> payload_bytes=<B>
 * The clock runs from the first timed publish to the arrival of the last
 * message; the warm-up messages are published and received before it starts.
 * Fewer than N arrivals (a denied PUBLISH or delivery, lost messages, a time
 * limit) end the run with an error instead of a figure.
 * Only loopback hosts are accepted: this is a load generator.
 *
 * Client I/O: both connections are driven from this one thread with poll()
 * and mosquitto_loop_read/_write. A PUBLISH is written to the socket by
 * mosquitto_publish itself (libmosquitto does that when no loop thread
 * runs), and one poll() wake-up drains every complete message waiting on the
 * subscriber's socket. Measured against stock Mosquitto 2.0.11 on a 2-core
 * Debian 12 VM, 8 interleaved runs of 200,000 16-byte messages each (medians):
 *   this loop                          127k msg/s, client 6.9 us CPU per msg
 *   mosquitto_loop_start, two threads  113k msg/s, client 9.0 us CPU per msg
 *   mosquitto_loop() on each in turn    67k msg/s, client 9.0 us CPU per msg
 * On two cores the single-threaded broker takes one and the client must fit
 * in the other, so the cheapest loop wins: the loop threads wake each other
 * through libmosquitto's internal socket pair and a condition variable, and
 * mosquitto_loop() selects on one client at a time and handles one packet
 * per call. Run-to-run spread was alike (stdev 4-5% of the mean): it comes
 * from the machine, not from the loop. Busy-polling instead of sleeping in
 * poll() was slower and noisier on the same machine.
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

/*
 * Upper bounds so that a typo cannot exhaust memory or the broker's queue:
 * the window is what the broker may hold for the subscriber at once.
 */
#define MAX_COUNT 1000000000L
#define MAX_WINDOW 100000L
#define MAX_PAYLOAD (1L << 20)
#define KEEPALIVE_S 60
/* No arrival at all for this long while messages are in flight: stop. */
#define STALL_S 5.0
#define STALL_TEXT "5 s"
/* Subscriber reads per poll() wake-up at most (each one reads one packet). */
#define MAX_READS_PER_WAKE 100000

struct options {
    struct bench_options common; /* time_limit_s: the whole run, connects and warm-up included */
    long payload_bytes;
    const char* topic;
    long window;
    const char* pub_username;
    const char* pub_password;
    const char* sub_username;
    const char* sub_password;
    const char* pub_client_id;
    const char* sub_client_id;
    double wait_s; /* one CONNACK or SUBACK */
};

/* One connection and what its callbacks saw; the pointer is its userdata. */
struct client {
    struct mosquitto* mosq;
    const char* role; /* "publisher" / "subscriber", for messages */
    bool connacked;
    int connack_rc;
    bool lost; /* the connection closed */
    int lost_rc;
    bool subacked;
    int granted_qos;
    long received;           /* messages, subscriber only */
    long target;             /* when received reaches it, stamp done_at */
    struct timespec done_at; /* arrival of message number target */
    struct timespec last_rx; /* when received last grew, for the stall check */
};

static void usage(FILE* out) {
    fprintf(out,
            "usage: publish_bench --port P --count N [--host H] [--warmup W]\n"
            "         [--payload-bytes B] [--topic T] [--window K]\n"
            "         [--pub-username U --pub-password P] [--pub-client-id ID]\n"
            "         [--sub-username U --sub-password P] [--sub-client-id ID]\n"
            "         [--time-limit-s SECONDS] [--verbose]\n"
            "  --count N        timed QoS 0 messages, publisher -> broker -> subscriber\n"
            "  --warmup W       untimed messages first (default 10000)\n"
            "  --payload-bytes  bytes per message (default 16)\n"
            "  --topic T        publish topic and subscription (default bench/pub/data)\n"
            "  --window K       at most K messages published and not yet received\n"
            "                   (default 1000)\n"
            "  --time-limit-s   the whole run, connects and warm-up included (default 60)\n");
}

static bool apply_option(void* ctx, int key, const char* arg) {
    struct options* o = ctx;

    switch (key) {
        case 'b': return parse_long(arg, 0, MAX_PAYLOAD, &o->payload_bytes);
        case 'T': o->topic = arg; return true;
        case 'k': return parse_long(arg, 1, MAX_WINDOW, &o->window);
        case 'u': o->pub_username = arg; return true;
        case 'P': o->pub_password = arg; return true;
        case 'U': o->sub_username = arg; return true;
        case 'S': o->sub_password = arg; return true;
        case 'c': o->pub_client_id = arg; return true;
        case 'C': o->sub_client_id = arg; return true;
        default: return false;
    }
}

static bool check_args(const struct options* o) {
    const char* problem = NULL;

    if (o->common.port == 0 || o->common.count == 0)
        problem = "--port and --count are required";
    else if (o->common.warmup > MAX_COUNT - o->common.count)
        problem = "--count plus --warmup is too large";
    else if (o->pub_password && !o->pub_username)
        problem = "--pub-password needs --pub-username";
    else if (o->sub_password && !o->sub_username)
        problem = "--sub-password needs --sub-username";
    else if (o->topic[0] == '\0' || strpbrk(o->topic, "+#"))
        problem = "--topic must be a non-empty topic name without wildcards";
    else if (strcmp(o->pub_client_id, o->sub_client_id) == 0)
        problem = "the publisher and the subscriber need different client ids";
    else if (!is_loopback(o->common.host))
        problem = "--host must be a loopback address";
    if (problem) fprintf(stderr, "publish_bench: %s\n", problem);
    return problem == NULL;
}

/* Returns BENCH_RUN, or the process exit status. */
static int parse_args(int argc, char** argv, struct options* o) {
    static const struct option longopts[] = {
        {"host", required_argument, NULL, BENCH_OPT_HOST},
        {"port", required_argument, NULL, BENCH_OPT_PORT},
        {"count", required_argument, NULL, BENCH_OPT_COUNT},
        {"warmup", required_argument, NULL, BENCH_OPT_WARMUP},
        {"payload-bytes", required_argument, NULL, 'b'},
        {"topic", required_argument, NULL, 'T'},
        {"window", required_argument, NULL, 'k'},
        {"pub-username", required_argument, NULL, 'u'},
        {"pub-password", required_argument, NULL, 'P'},
        {"sub-username", required_argument, NULL, 'U'},
        {"sub-password", required_argument, NULL, 'S'},
        {"pub-client-id", required_argument, NULL, 'c'},
        {"sub-client-id", required_argument, NULL, 'C'},
        {"time-limit-s", required_argument, NULL, BENCH_OPT_TIME_LIMIT},
        {"verbose", no_argument, NULL, BENCH_OPT_VERBOSE},
        {"help", no_argument, NULL, BENCH_OPT_HELP},
        {NULL, 0, NULL, 0}};
    static const struct bench_cli cli = {"publish_bench", longopts, MAX_COUNT, apply_option, usage};
    int rc;

    *o = (struct options){.common = {.host = "127.0.0.1", .warmup = 10000, .time_limit_s = 60.0},
                          .payload_bytes = 16,
                          .topic = "bench/pub/data",
                          .window = 1000,
                          .pub_client_id = "bench-pub",
                          .sub_client_id = "bench-sub",
                          .wait_s = 5.0};
    rc = bench_parse_args(argc, argv, &cli, &o->common, o);
    if (rc == BENCH_RUN && !check_args(o)) {
        usage(stderr);
        return BENCH_EXIT_USAGE;
    }
    return rc;
}

static void on_connect(struct mosquitto* mosq, void* obj, int rc) {
    struct client* c = obj;

    (void)mosq;
    c->connack_rc = rc;
    c->connacked = true;
}

static void on_disconnect(struct mosquitto* mosq, void* obj, int rc) {
    struct client* c = obj;

    (void)mosq;
    c->lost_rc = rc;
    c->lost = true;
}

static void on_subscribe(struct mosquitto* mosq, void* obj, int mid, int qos_count,
                         const int* granted_qos) {
    struct client* c = obj;

    (void)mosq;
    (void)mid;
    c->granted_qos = qos_count > 0 ? granted_qos[0] : 0x80;
    c->subacked = true;
}

static void on_message(struct mosquitto* mosq, void* obj, const struct mosquitto_message* msg) {
    struct client* c = obj;

    (void)mosq;
    /* A retained message left on the topic by someone else is not ours. */
    if (msg->retain) return;
    if (++c->received == c->target) c->done_at = now_mono();
}

/*
 * Waits up to timeout_ms for either socket, then reads what arrived and
 * writes what libmosquitto could not send at once. A subscriber wake-up is
 * drained: mosquitto_loop_read handles one packet per call for a QoS 0
 * subscriber, so it is called again while each call delivers a message (the
 * first call that delivers none has met an empty socket or a partial packet,
 * and poll() reports when more comes). Returns false on a socket error.
 */
static bool pump(struct client* pub, struct client* sub, int timeout_ms) {
    struct client* clients[2] = {pub, sub};
    struct pollfd pfd[2];
    int ready;

    for (int i = 0; i < 2; i++) {
        pfd[i].fd = mosquitto_socket(clients[i]->mosq);
        pfd[i].events = (short)(POLLIN | (mosquitto_want_write(clients[i]->mosq) ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    ready = poll(pfd, 2, timeout_ms);
    if (ready < 0) return errno == EINTR;
    for (int i = 0; i < 2 && ready > 0; i++) {
        struct client* c = clients[i];
        int rc = MOSQ_ERR_SUCCESS;

        if (pfd[i].fd < 0) continue;
        if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) {
            long before;
            int reads = 0;
            do {
                before = c->received;
                rc = mosquitto_loop_read(c->mosq, 1);
            } while (rc == MOSQ_ERR_SUCCESS && c->received != before &&
                     ++reads < MAX_READS_PER_WAKE);
        }
        if (rc == MOSQ_ERR_SUCCESS && (pfd[i].revents & POLLOUT)) {
            rc = mosquitto_loop_write(c->mosq, 1);
        }
        if (rc != MOSQ_ERR_SUCCESS) {
            /* A refusing CONNACK closes the connection; start_client reports it. */
            if (!(c->connacked && c->connack_rc != 0)) {
                fprintf(stderr, "publish_bench: %s connection: %s\n", c->role,
                        mosquitto_strerror(rc));
            }
            return false;
        }
    }
    return true;
}

static double seconds_left(const struct timespec* deadline) {
    struct timespec t = now_mono();

    return ts_diff_us(&t, deadline) / 1e6;
}

/* Reports a closed connection (the callbacks saw it); true if one closed. */
static bool connection_lost(const struct client* pub, const struct client* sub) {
    const struct client* clients[2] = {pub, sub};

    for (int i = 0; i < 2; i++) {
        if (clients[i]->lost) {
            fprintf(stderr, "publish_bench: the broker closed the %s connection (%s)\n",
                    clients[i]->role,
                    clients[i]->lost_rc ? mosquitto_strerror(clients[i]->lost_rc) : "clean");
            return true;
        }
    }
    return false;
}

/* Pumps until *flag is set, for at most wait_s; what is the awaited packet. */
static bool wait_for(struct client* pub, struct client* sub, const bool* flag, double wait_s,
                     const char* what) {
    struct timespec deadline = now_mono();
    double left;

    deadline.tv_sec += (time_t)wait_s;
    while (!*flag && (left = seconds_left(&deadline)) > 0.0) {
        if (!pump(pub, sub, (int)(left * 1e3) + 1) || connection_lost(pub, sub)) {
            return *flag; /* a refusing CONNACK arrives with the connection's end */
        }
    }
    if (!*flag) {
        fprintf(stderr, "publish_bench: no %s within %.0f s\n", what, wait_s);
        return false;
    }
    return true;
}

static bool start_client(struct client* c, struct client* pub, struct client* sub,
                         const struct options* o, const char* username, const char* password) {
    int rc = mosquitto_username_pw_set(c->mosq, username, password);

    if (rc == MOSQ_ERR_SUCCESS)
        rc = mosquitto_connect(c->mosq, o->common.host, o->common.port, KEEPALIVE_S);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "publish_bench: %s connect to %s:%d: %s\n", c->role, o->common.host,
                o->common.port, mosquitto_strerror(rc));
        return false;
    }
    if (!wait_for(pub, sub, &c->connacked, o->wait_s, "CONNACK")) return false;
    if (c->connack_rc != 0) {
        fprintf(stderr, "publish_bench: %s CONNACK refused (rc=%d: %s) for username '%s'\n",
                c->role, c->connack_rc, mosquitto_connack_string(c->connack_rc),
                username ? username : "(none)");
        return false;
    }
    return true;
}

/* Connects the subscriber, subscribes, then connects the publisher. */
static bool set_up(struct client* pub, struct client* sub, const struct options* o) {
    int rc;

    /* The publisher is not connected yet: pump() polls an fd of -1 for it. */
    if (!start_client(sub, pub, sub, o, o->sub_username, o->sub_password)) return false;
    rc = mosquitto_subscribe(sub->mosq, NULL, o->topic, 0);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "publish_bench: subscribe: %s\n", mosquitto_strerror(rc));
        return false;
    }
    if (!wait_for(pub, sub, &sub->subacked, o->wait_s, "SUBACK")) return false;
    if (sub->granted_qos == 0x80) {
        fprintf(stderr,
                "publish_bench: the broker refused the subscription to '%s' for username "
                "'%s' (SUBACK 0x80): a benchmark of denied traffic measures nothing\n",
                o->topic, o->sub_username ? o->sub_username : "(none)");
        return false;
    }
    return start_client(pub, pub, sub, o, o->pub_username, o->pub_password);
}

/*
 * Publishes messages [sub->received, target) keeping at most window in
 * flight, until all have arrived. Fails on the deadline, on STALL_S without
 * any arrival, or on a connection error, saying how many messages arrived.
 */
static bool run_phase(struct client* pub, struct client* sub, const struct options* o,
                      const void* payload, long target, const struct timespec* deadline,
                      const char* phase) {
    long published = sub->received;
    long first = sub->received;
    long seen = sub->received;
    int payloadlen = (int)o->payload_bytes;

    sub->target = target;
    sub->last_rx = now_mono();
    while (sub->received < target) {
        struct timespec t;
        double left = seconds_left(deadline);

        while (published < target && published - sub->received < o->window) {
            int rc = mosquitto_publish(pub->mosq, NULL, o->topic, payloadlen, payload, 0, false);
            if (rc != MOSQ_ERR_SUCCESS) {
                fprintf(stderr, "publish_bench: publish: %s\n", mosquitto_strerror(rc));
                return false;
            }
            published++;
        }
        t = now_mono();
        if (sub->received != seen) {
            seen = sub->received;
            sub->last_rx = t;
        }
        if (left <= 0.0 || ts_diff_us(&sub->last_rx, &t) > STALL_S * 1e6) {
            long got = sub->received - first;
            fprintf(stderr, "publish_bench: %s: only %ld of %ld messages arrived (%s)\n", phase,
                    got, target - first,
                    left <= 0.0 ? "time limit reached" : "none for " STALL_TEXT);
            if (got == 0) {
                fprintf(stderr,
                        "publish_bench: nothing was delivered: is PUBLISH to '%s' denied for "
                        "username '%s', or delivery denied for username '%s'?\n",
                        o->topic, o->pub_username ? o->pub_username : "(none)",
                        o->sub_username ? o->sub_username : "(none)");
            }
            return false;
        }
        if (!pump(pub, sub, 100) || connection_lost(pub, sub)) return false;
        mosquitto_loop_misc(pub->mosq);
        mosquitto_loop_misc(sub->mosq);
    }
    return true;
}

static bool run_bench(struct client* pub, struct client* sub, const struct options* o,
                      const void* payload) {
    struct timespec deadline = now_mono(), start;
    double cpu0, cpu1, elapsed_us;

    deadline.tv_sec += (time_t)o->common.time_limit_s;
    if (!set_up(pub, sub, o)) return false;
    if (!run_phase(pub, sub, o, payload, o->common.warmup, &deadline, "warm-up")) return false;
    cpu0 = cpu_seconds();
    start = now_mono();
    if (!run_phase(pub, sub, o, payload, o->common.warmup + o->common.count, &deadline,
                   "timed run")) {
        return false;
    }
    cpu1 = cpu_seconds();
    elapsed_us = ts_diff_us(&start, &sub->done_at);
    printf("messages_per_s=%.1f n=%ld payload_bytes=%ld\n",
           (double)o->common.count / (elapsed_us / 1e6), o->common.count, o->payload_bytes);
    if (o->common.verbose) {
        /* The client's own CPU per message: if near wall time, the client limits. */
        fprintf(stderr, "client_cpu_us_per_msg=%.3f wall_us_per_msg=%.3f\n",
                (cpu1 - cpu0) * 1e6 / (double)o->common.count,
                elapsed_us / (double)o->common.count);
    }
    mosquitto_disconnect(pub->mosq);
    mosquitto_disconnect(sub->mosq);
    return true;
}

static struct mosquitto* new_client(const char* client_id, struct client* c) {
    struct mosquitto* mosq = mosquitto_new(client_id, true, c);

    if (!mosq) return NULL;
    mosquitto_connect_callback_set(mosq, on_connect);
    mosquitto_disconnect_callback_set(mosq, on_disconnect);
    mosquitto_subscribe_callback_set(mosq, on_subscribe);
    mosquitto_message_callback_set(mosq, on_message);
    return mosq;
}

int main(int argc, char** argv) {
    struct options o;
    struct client pub = {.role = "publisher"}, sub = {.role = "subscriber"};
    void* payload;
    bool ok = false;
    int rc = parse_args(argc, argv, &o);

    if (rc != BENCH_RUN) return rc;
    /*
     * Last-resort guard: the loops check the time limit, but a blocking
     * connect() could still hang on a wedged broker; SIGALRM ends us.
     */
    alarm((unsigned)(o.common.time_limit_s + 2 * o.wait_s));
    payload = malloc((size_t)o.payload_bytes + 1);
    if (payload) memset(payload, 'x', (size_t)o.payload_bytes + 1);
    mosquitto_lib_init();
    pub.mosq = new_client(o.pub_client_id, &pub);
    sub.mosq = new_client(o.sub_client_id, &sub);
    if (payload && pub.mosq && sub.mosq) {
        ok = run_bench(&pub, &sub, &o, payload);
    } else {
        fprintf(stderr, "publish_bench: out of memory\n");
    }
    mosquitto_destroy(pub.mosq);
    mosquitto_destroy(sub.mosq);
    mosquitto_lib_cleanup();
    free(payload);
    return ok ? EXIT_SUCCESS : BENCH_EXIT_FAILED;
}
