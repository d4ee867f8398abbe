/*
 * campfire_bench: feeds a ~4,400-token multilingual completion (analysis, tool calls, final answer) through the C ABI
 * and prints ns/token.
 *
 *   campfire_bench [--rounds N] [--managed-ns X]
 *
 * Figures (best of N rounds, each a full pass over the completion with a reset parser):
 *   abi   campfire_parser_feed per token + campfire_parser_next_event per event: what a C decode loop pays;
 *   span  campfire_parser_feed_span for the whole completion, then the events drained: the parser's work inside the
 *         library with one boundary crossing per completion instead of per token.
 * --managed-ns X prints the managed figure (BenchmarkDotNet, the same completion through the managed
 * HarmonyStreamParser, see docs/performance.md) next to them, with the overhead the ABI adds per token.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campfire.h"

static const char *const segments[] = {
    "<|channel|>analysis<|message|>The user asks about the weather in Oslo and in Tokyo, and wants a short answer "
    "in Norwegian and Japanese. I should call the weather tool for each city, then summarise. Москва не нужна. "
    "東京の天気も確認する。 Let me be careful with units: °C, not °F. 🌧️☀️<|end|>",
    "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
    "{\"city\": \"Oslo\", \"units\": \"metric\", \"lang\": \"nb\"}<|call|>",
    "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>"
    "{\"temp_c\": -3, \"conditions\": \"snø\", \"wind_kmh\": 12}<|end|>",
    "<|start|>assistant<|channel|>analysis<|message|>Oslo: −3 °C, snø. Now Tokyo. Der Nutzer möchte auch wissen, "
    "ob es regnet. Ça dépend de la saison. Let me call the tool again with the Japanese name 東京都.<|end|>",
    "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
    "{\"city\": \"東京都\", \"units\": \"metric\", \"lang\": \"ja\"}<|call|>",
    "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>"
    "{\"temp_c\": 14, \"conditions\": \"小雨\", \"wind_kmh\": 8}<|end|>",
};

static const char final_segment[] =
    "<|start|>assistant<|channel|>final<|message|>**Oslo:** −3 °C og snø. **東京:** 14 °C、小雨です。 "
    "Ta med paraply i Tokyo! 🌂<|return|>";

#define TARGET_TOKENS 4400

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

static size_t encode_into(const char *text, int32_t *tokens, size_t capacity)
{
    size_t count = 0;
    campfire_status status = campfire_encode(text, strlen(text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, tokens, capacity, &count);
    if (status != CAMPFIRE_OK) die("campfire_encode", status);
    return count;
}

/* The completion: the segments repeated until ~4,400 tokens, then the final answer ending in <|return|>. */
static int32_t *build_completion(size_t *count)
{
    size_t capacity = TARGET_TOKENS + 2048, n = 0;
    int32_t *tokens = malloc(capacity * sizeof *tokens);
    size_t final_length = encode_into(final_segment, tokens, capacity);
    for (size_t s = 0;; s = (s + 1) % (sizeof segments / sizeof segments[0])) {
        int32_t piece[512];
        size_t length = encode_into(segments[s], piece, 512);
        if (n + length + final_length > TARGET_TOKENS && s == 0) break;
        memcpy(tokens + n, piece, length * sizeof *piece);
        n += length;
    }
    n += encode_into(final_segment, tokens + n, capacity - n);
    *count = n;
    return tokens;
}

static char text[1 << 16];

static size_t drain(campfire_parser parser)
{
    campfire_event event;
    size_t length = 0, events = 0;
    for (;;) {
        campfire_status status = campfire_parser_next_event(parser, &event, text, sizeof text, &length);
        if (status != CAMPFIRE_OK) die("campfire_parser_next_event", status);
        if (event.kind == CAMPFIRE_EVENT_NONE) return events;
        events++;
    }
}

static size_t pass_per_token(campfire_parser parser, const int32_t *tokens, size_t count)
{
    size_t events = 0;
    campfire_event event;
    size_t length = 0;
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

static size_t pass_span(campfire_parser parser, const int32_t *tokens, size_t count)
{
    campfire_parser_reset(parser);
    campfire_status status = campfire_parser_feed_span(parser, tokens, count, NULL, NULL);
    if (status != CAMPFIRE_OK) die("campfire_parser_feed_span", status);
    return drain(parser);
}

int main(int argc, char **argv)
{
    int rounds = 200;
    double managed = -1;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) rounds = atoi(argv[++a]);
        else if (strcmp(argv[a], "--managed-ns") == 0 && a + 1 < argc) managed = atof(argv[++a]);
        else {
            fprintf(stderr, "usage: %s [--rounds N] [--managed-ns X]\n", argv[0]);
            return 2;
        }
    }
    if (rounds < 1) rounds = 1;

    size_t count = 0;
    int32_t *tokens = build_completion(&count);
    campfire_parser parser = NULL;
    campfire_status status = campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser);
    if (status != CAMPFIRE_OK) die("campfire_parser_create", status);

    size_t events_abi = pass_per_token(parser, tokens, count); /* warm-up, and the two paths must agree */
    size_t events_span = pass_span(parser, tokens, count);
    if (events_abi != events_span) {
        fprintf(stderr, "per-token and span parsing disagree: %zu vs %zu events\n", events_abi, events_span);
        return 1;
    }

    double best_abi = 1e300, best_span = 1e300;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_ns();
        pass_per_token(parser, tokens, count);
        double t1 = now_ns();
        pass_span(parser, tokens, count);
        double t2 = now_ns();
        if (t1 - t0 < best_abi) best_abi = t1 - t0;
        if (t2 - t1 < best_span) best_span = t2 - t1;
    }
    double abi = best_abi / (double)count, span = best_span / (double)count;

    printf("completion: %zu tokens, %zu events; best of %d rounds\n", count, events_abi, rounds);
    printf("abi   (feed + next_event per token): %8.2f ns/token\n", abi);
    printf("span  (feed_span, then drain):       %8.2f ns/token\n", span);
    if (managed > 0) {
        printf("managed (BenchmarkDotNet):           %8.2f ns/token\n", managed);
        printf("ABI overhead vs managed:             %+8.2f ns/token (budget 20)\n", abi - managed);
    } else {
        printf("managed: pass --managed-ns X (BenchmarkDotNet figure, docs/performance.md) to compare\n");
    }
    campfire_parser_free(parser);
    free(tokens);
    return 0;
}
