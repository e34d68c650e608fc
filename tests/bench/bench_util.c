#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage */

#include "bench_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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
