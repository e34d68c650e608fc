/* Helpers the benchmark clients share: a monotonic clock, strict number parsing, the
 * loopback-only check, the process's own CPU time, and latency percentiles. */
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

#endif
