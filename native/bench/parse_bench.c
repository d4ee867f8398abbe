/*
 * campfire_bench: feeds the shared ~4,400-token benchmark completion (bench/Campfire.Benchmarks/Data/
 * completion-4400.harmony.txt, the parser benchmark's input: multilingual analysis, function and browser tool calls
 * with their replies, a final answer) through the C ABI and prints ns/token for each way a host can drive the parser.
 *
 *   campfire_bench [--rounds N] [--managed-ns X] [--completion FILE] [--path NAME]
 *
 * Each round parses the whole completion with a reset parser; the best round counts. Paths:
 *   next_event  campfire_parser_feed per token, then campfire_parser_next_event per event (the basic API);
 *   feed_next   campfire_parser_feed_next per token (feed + first event in one call), next_event for extra events;
 *   span        campfire_parser_feed_span for the whole completion, then campfire_parser_next_events in batches.
 *   chunk64     campfire_parser_feed_span_events per 64-token chunk (feed + events into an array, one call).
 * --path NAME times only the path of that name (e.g. chunk64, for a profiler).
 * --managed-ns X prints a managed figure next to them, with the overhead each path adds per token; for a
 * comparison in one window run bench/Campfire.Benchmarks/Native/compare-abi.sh, which alternates this benchmark
 * with the managed timing tool (docs/performance.md, C ABI).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campfire.h"

#ifndef CAMPFIRE_BENCH_COMPLETION
#define CAMPFIRE_BENCH_COMPLETION "completion-4400.harmony.txt"
#endif

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void die(const char *what, campfire_status status)
{
    char message[512];
    size_t length = 0;
    campfire_last_error_message(message, sizeof message, &length);
    fprintf(stderr, "%s: %s: %s\n", what, campfire_status_name(status), message);
    exit(1);
}

static int32_t *load_completion(const char *path, size_t *count)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    static char text[1 << 20];
    size_t length = fread(text, 1, sizeof text, file);
    fclose(file);
    size_t needed = 0;
    campfire_encode(text, length, CAMPFIRE_ENCODE_ALLOW_SPECIAL, NULL, 0, &needed);
    int32_t *tokens = malloc(needed * sizeof *tokens);
    campfire_status status = campfire_encode(text, length, CAMPFIRE_ENCODE_ALLOW_SPECIAL, tokens, needed, count);
    if (status != CAMPFIRE_OK) die("campfire_encode", status);
    return tokens;
}

static char text[1 << 16];
static campfire_event batch[256];

static size_t pass_next_event(campfire_parser parser, const int32_t *tokens, size_t count)
{
    size_t events = 0, length = 0;
    campfire_event event;
    campfire_parser_reset(parser);
    for (size_t i = 0; i < count; i++) {
        size_t pending = 0;
        campfire_status status = campfire_parser_feed(parser, tokens[i], &pending);
        if (status != CAMPFIRE_OK) die("campfire_parser_feed", status);
        for (; pending > 0; pending--) {
            status = campfire_parser_next_event(parser, &event, text, sizeof text, &length);
            if (status != CAMPFIRE_OK) die("campfire_parser_next_event", status);
            events++;
        }
    }
    return events;
}

static size_t pass_feed_next(campfire_parser parser, const int32_t *tokens, size_t count)
{
    size_t events = 0, length = 0;
    campfire_event event;
    campfire_parser_reset(parser);
    for (size_t i = 0; i < count; i++) {
        size_t pending = 0;
        campfire_status status = campfire_parser_feed_next(parser, tokens[i], &event, text, sizeof text, &length, &pending);
        if (status != CAMPFIRE_OK) die("campfire_parser_feed_next", status);
        events += event.kind != CAMPFIRE_EVENT_NONE;
        for (; pending > 0; pending--) {
            status = campfire_parser_next_event(parser, &event, text, sizeof text, &length);
            if (status != CAMPFIRE_OK) die("campfire_parser_next_event", status);
            events++;
        }
    }
    return events;
}

static size_t pass_span(campfire_parser parser, const int32_t *tokens, size_t count)
{
    size_t events = 0, taken = 0, length = 0;
    campfire_parser_reset(parser);
    campfire_status status = campfire_parser_feed_span(parser, tokens, count, NULL, NULL);
    if (status != CAMPFIRE_OK) die("campfire_parser_feed_span", status);
    do {
        status = campfire_parser_next_events(parser, batch, 256, text, sizeof text, &taken, &length);
        if (status != CAMPFIRE_OK) die("campfire_parser_next_events", status);
        events += taken;
    } while (taken > 0);
    return events;
}

static size_t pass_chunk64(campfire_parser parser, const int32_t *tokens, size_t count)
{
    size_t events = 0, consumed = 0, taken = 0, length = 0, pending = 0;
    campfire_parser_reset(parser);
    for (size_t i = 0; i < count;) {
        size_t chunk = count - i < 64 ? count - i : 64;
        campfire_status status = campfire_parser_feed_span_events(parser, tokens + i, chunk, batch, 256, text,
                                                                  sizeof text, &consumed, &taken, &length, &pending);
        if (status != CAMPFIRE_OK) die("campfire_parser_feed_span_events", status);
        events += taken;
        i += consumed;
    }
    while (pending > 0) {
        campfire_status status = campfire_parser_next_events(parser, batch, 256, text, sizeof text, &taken, &length);
        if (status != CAMPFIRE_OK) die("campfire_parser_next_events", status);
        events += taken;
        if (taken == 0) break;
        pending -= taken;
    }
    return events;
}

typedef size_t (*pass_fn)(campfire_parser, const int32_t *, size_t);

int main(int argc, char **argv)
{
    int rounds = 200;
    double managed = -1;
    const char *path = CAMPFIRE_BENCH_COMPLETION;
    const char *only = NULL;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) rounds = atoi(argv[++a]);
        else if (strcmp(argv[a], "--managed-ns") == 0 && a + 1 < argc) managed = atof(argv[++a]);
        else if (strcmp(argv[a], "--completion") == 0 && a + 1 < argc) path = argv[++a];
        else if (strcmp(argv[a], "--path") == 0 && a + 1 < argc) only = argv[++a];
        else {
            fprintf(stderr, "usage: %s [--rounds N] [--managed-ns X] [--completion FILE] [--path NAME]\n", argv[0]);
            return 2;
        }
    }
    if (rounds < 1) rounds = 1;

    size_t count = 0;
    int32_t *tokens = load_completion(path, &count);
    campfire_parser parser = NULL;
    campfire_status status = campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser);
    if (status != CAMPFIRE_OK) die("campfire_parser_create", status);

    static const struct {
        const char *name;
        pass_fn run;
    } paths[] = {
        {"next_event (feed + next_event per event)", pass_next_event},
        {"feed_next  (one call per token)         ", pass_feed_next},
        {"span       (feed_span + next_events)    ", pass_span},
        {"chunk64    (feed_span_events, 64 tokens)", pass_chunk64},
    };
    enum { PATHS = sizeof paths / sizeof paths[0] };
    size_t events[PATHS];
    double best[PATHS];
    for (int p = 0; p < PATHS; p++) {
        events[p] = paths[p].run(parser, tokens, count); /* warm-up; every path must see the same events */
        best[p] = 1e300;
        if (events[p] != events[0]) {
            fprintf(stderr, "%s saw %zu events, expected %zu\n", paths[p].name, events[p], events[0]);
            return 1;
        }
    }
    for (int r = 0; r < rounds; r++) {
        for (int p = 0; p < PATHS; p++) { /* interleaved, so load changes hit every path alike */
            if (only != NULL && strncmp(paths[p].name, only, strlen(only)) != 0) continue;
            double t0 = now_ns();
            paths[p].run(parser, tokens, count);
            double elapsed = now_ns() - t0;
            if (elapsed < best[p]) best[p] = elapsed;
        }
    }

    printf("completion: %zu tokens, %zu events; best of %d rounds\n", count, events[0], rounds);
    for (int p = 0; p < PATHS; p++) {
        if (only != NULL && strncmp(paths[p].name, only, strlen(only)) != 0) continue;
        double ns = best[p] / (double)count;
        if (managed > 0) {
            printf("abi %s %8.2f ns/token  (managed %.2f, ABI adds %+.2f)\n", paths[p].name, ns, managed, ns - managed);
        } else {
            printf("abi %s %8.2f ns/token\n", paths[p].name, ns);
        }
    }
    if (managed <= 0) {
        printf("managed: bench/Campfire.Benchmarks/Native/compare-abi.sh measures the managed parser alongside\n");
    }
    campfire_parser_free(parser);
    free(tokens);
    return 0;
}
