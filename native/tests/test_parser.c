/* campfire_parser_*: events, spans, finish, save/restore, reset, failures, handles and every error code. */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

static const char completion_text[] =
    "<|channel|>analysis<|message|>Think about 東京 🔥.<|end|>"
    "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
    "{\"city\": \"Oslo\"}<|call|>";

static const char tool_text[] =
    "<|start|>browser.search to=assistant<|channel|>commentary<|message|>result 𝔘𝔫𝔦<|end|>";

/* A flattened record of the events a parser produced, for comparisons. */
typedef struct {
    int kinds[512];
    int count;
    char log[8192];
    size_t log_length;
    char content[4096]; /* the CONTENT_DELTA bytes, concatenated */
} transcript;

static void append(transcript *t, const char *bytes, int length)
{
    if (length < 0) {
        bytes = "(absent)";
        length = 8;
    }
    if (t->log_length + (size_t)length + 1 < sizeof t->log) {
        memcpy(t->log + t->log_length, bytes, (size_t)length);
        t->log_length += (size_t)length;
        t->log[t->log_length++] = '|';
        t->log[t->log_length] = '\0';
    }
}

static void record(transcript *t, const campfire_event *e, const char *text)
{
    char numbers[64];
    if (t->count < 512) t->kinds[t->count] = e->kind;
    t->count++;
    snprintf(numbers, sizeof numbers, "k%d r%d e%d", e->kind, e->role, e->end_token);
    append(t, numbers, (int)strlen(numbers));
    append(t, text + e->name.offset, e->name.length);
    append(t, text + e->channel.offset, e->channel.length);
    append(t, text + e->recipient.offset, e->recipient.length);
    append(t, text + e->content_type.offset, e->content_type.length);
    append(t, text + e->text.offset, e->text.length);
    snprintf(numbers, sizeof numbers, "@%d", e->token_index);
    append(t, numbers, (int)strlen(numbers));
    if (e->kind == CAMPFIRE_EVENT_CONTENT_DELTA && strlen(t->content) + (size_t)e->text.length < sizeof t->content) {
        strncat(t->content, text + e->text.offset, (size_t)e->text.length);
    }
}

static void drain(campfire_parser parser, transcript *t)
{
    campfire_event e;
    char text[1024];
    size_t length = 0;
    for (;;) {
        campfire_status status = campfire_parser_next_event(parser, &e, text, sizeof text, &length);
        CHECK_OK(status);
        if (status != CAMPFIRE_OK || e.kind == CAMPFIRE_EVENT_NONE) return;
        record(t, &e, text);
    }
}

static size_t encode(const char *text, int32_t *ids, size_t capacity)
{
    size_t count = 0;
    CHECK_OK(campfire_encode(text, strlen(text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, ids, capacity, &count));
    return count;
}

static void feed_all(campfire_parser parser, const int32_t *ids, size_t count, transcript *t)
{
    for (size_t i = 0; i < count; i++) {
        size_t pending = 99;
        CHECK_OK(campfire_parser_feed(parser, ids[i], &pending));
        drain(parser, t);
    }
}

static void events_describe_each_message_as_it_streams(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser parser = NULL;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser));

    char content[2][256] = {{0}};
    int message = -1, headers = 0, starts = 0, ends[2] = {0, 0};
    for (size_t i = 0; i < count; i++) {
        size_t pending = 99;
        CHECK_OK(campfire_parser_feed(parser, ids[i], &pending));
        for (; pending > 0; pending--) {
            campfire_event e;
            char text[512];
            size_t length = 0;
            CHECK_OK(campfire_parser_next_event(parser, &e, text, sizeof text, &length));
            CHECK(e.token_index == (int32_t)i);
            switch (e.kind) {
            case CAMPFIRE_EVENT_MESSAGE_START:
                starts++;
                message++;
                CHECK(e.role == CAMPFIRE_ROLE_ASSISTANT);
                break;
            case CAMPFIRE_EVENT_HEADER_COMPLETE:
                headers++;
                CHECK(e.role == CAMPFIRE_ROLE_ASSISTANT);
                CHECK(e.name.length == -1);
                if (message == 0) {
                    CHECK(e.channel.length == 8 && memcmp(text + e.channel.offset, "analysis", 8) == 0);
                    CHECK(e.recipient.length == -1 && e.content_type.length == -1);
                } else {
                    CHECK(e.channel.length == 10 && memcmp(text + e.channel.offset, "commentary", 10) == 0);
                    CHECK(e.recipient.length == 21 &&
                          memcmp(text + e.recipient.offset, "functions.get_weather", 21) == 0);
                    CHECK(e.content_type.length == 17 &&
                          memcmp(text + e.content_type.offset, "<|constrain|>json", 17) == 0);
                }
                break;
            case CAMPFIRE_EVENT_CONTENT_DELTA:
                CHECK(message >= 0 && message < 2);
                if (message >= 0 && message < 2 && strlen(content[message]) + (size_t)e.text.length < 256) {
                    strncat(content[message], text + e.text.offset, (size_t)e.text.length);
                }
                break;
            case CAMPFIRE_EVENT_MESSAGE_END:
                if (message >= 0 && message < 2) ends[message] = e.end_token;
                break;
            default:
                CHECK(!"unexpected event kind");
            }
        }
        campfire_event none;
        char text[8];
        size_t length = 1;
        CHECK_OK(campfire_parser_next_event(parser, &none, text, sizeof text, &length));
        CHECK(none.kind == CAMPFIRE_EVENT_NONE && length == 0);
    }
    CHECK(starts == 2 && headers == 2);
    CHECK(strcmp(content[0], "Think about 東京 🔥.") == 0);
    CHECK(strcmp(content[1], "{\"city\": \"Oslo\"}") == 0);
    CHECK(ends[0] == CAMPFIRE_TOKEN_END && ends[1] == CAMPFIRE_TOKEN_CALL);
    CHECK_OK(campfire_parser_finish(parser, NULL));
    CHECK_OK(campfire_parser_free(parser));
}

static void tool_messages_carry_their_author_name(void)
{
    int32_t ids[128];
    size_t count = encode(tool_text, ids, 128);
    campfire_parser parser = NULL;
    transcript t = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_NON_STRICT, &parser));
    feed_all(parser, ids, count, &t);
    CHECK(strstr(t.log, "k2 r4 e-1|browser.search|commentary|assistant|(absent)|(absent)|") != NULL);
    CHECK(strstr(t.log, "k4 r4 e200007|") != NULL);
    CHECK_OK(campfire_parser_free(parser));
}

static void a_span_gives_the_same_events_as_single_tokens(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser one = NULL, span = NULL;
    transcript a = {0}, b = {0};
    size_t consumed = 0, pending = 0;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &one));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &span));
    feed_all(one, ids, count, &a);
    CHECK_OK(campfire_parser_feed_span(span, ids, 7, &consumed, &pending));
    CHECK(consumed == 7 && pending > 0);
    CHECK_OK(campfire_parser_feed_span(span, ids + 7, count - 7, &consumed, NULL));
    CHECK(consumed == count - 7);
    CHECK_OK(campfire_parser_feed_span(span, NULL, 0, &consumed, &pending));
    CHECK(consumed == 0);
    drain(span, &b);
    CHECK(a.count == b.count && a.count > 10);
    CHECK(strcmp(a.log, b.log) == 0);
    CHECK_OK(campfire_parser_free(one));
    CHECK_OK(campfire_parser_free(span));
}

static void feed_next_gives_the_same_events_as_feed_then_next_event(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser one = NULL, fused = NULL;
    transcript a = {0}, b = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &one));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &fused));
    feed_all(one, ids, count, &a);
    int delivered = 0;
    for (size_t i = 0; i < count; i++) {
        campfire_event e;
        char text[512];
        size_t length = 99, pending = 99;
        CHECK_OK(campfire_parser_feed_next(fused, ids[i], &e, text, sizeof text, &length, &pending));
        if (e.kind != CAMPFIRE_EVENT_NONE) {
            delivered++;
            record(&b, &e, text);
        } else {
            CHECK(length == 0 && pending == 0);
        }
        drain(fused, &b);
    }
    CHECK(delivered > 10);
    CHECK(a.count == b.count);
    CHECK(strcmp(a.log, b.log) == 0);
    CHECK_OK(campfire_parser_free(one));
    CHECK_OK(campfire_parser_free(fused));
}

static void feed_next_leaves_an_event_that_does_not_fit_in_the_queue(void)
{
    int32_t ids[128];
    size_t count = encode(tool_text, ids, 128);
    campfire_parser parser = NULL;
    campfire_event e;
    char text[64];
    size_t length = 0, pending = 0;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    /* <|start|> then "browser.search ...": the message start (with its 14-byte name) comes with the header tokens */
    size_t i = 0;
    do {
        CHECK_OK(campfire_parser_feed_next(parser, ids[i++], &e, text, 4, &length, &pending));
    } while (e.kind == CAMPFIRE_EVENT_NONE && pending == 0 && i < count);
    CHECK(e.kind == CAMPFIRE_EVENT_NONE);
    CHECK(pending >= 1 && length == 14);
    CHECK_OK(campfire_parser_next_event(parser, &e, text, sizeof text, &length));
    CHECK(e.kind == CAMPFIRE_EVENT_MESSAGE_START && memcmp(text + e.name.offset, "browser.search", 14) == 0);
    /* errors take nothing */
    CHECK_FAILS(campfire_parser_feed_next(parser, -3, &e, text, sizeof text, &length, &pending),
                CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK(e.kind == CAMPFIRE_EVENT_NONE);
    CHECK_FAILS(campfire_parser_feed_next(parser, ids[i], NULL, text, sizeof text, &length, &pending),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_next(parser, ids[i], &e, text, sizeof text, NULL, &pending),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_next(parser, ids[i], &e, NULL, 8, &length, &pending), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_OK(campfire_parser_free(parser));
}

static void next_events_takes_a_batch_in_order(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser one = NULL, batch = NULL;
    transcript a = {0}, b = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &one));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &batch));
    feed_all(one, ids, count, &a);
    CHECK_OK(campfire_parser_feed_span(batch, ids, count, NULL, NULL));
    campfire_event events[5];
    char text[64];
    size_t taken = 0, used = 0;
    int calls = 0;
    do {
        /* small arrays and a small text buffer: several batches, each cut where the next event would not fit */
        CHECK_OK(campfire_parser_next_events(batch, events, 5, text, sizeof text, &taken, &used));
        CHECK(taken <= 5 && used <= sizeof text);
        for (size_t k = 0; k < taken; k++) record(&b, &events[k], text);
        calls++;
    } while (taken > 0);
    CHECK(calls > 3);
    CHECK(a.count == b.count);
    CHECK(strcmp(a.log, b.log) == 0);

    /* an empty queue, a size query, a first event too large, bad pointers */
    CHECK_OK(campfire_parser_next_events(batch, events, 5, text, sizeof text, &taken, &used));
    CHECK(taken == 0 && used == 0);
    /* the tool message starts with its 14-byte author name */
    int32_t tool[128];
    size_t tool_count = encode(tool_text, tool, 128);
    CHECK_OK(campfire_parser_free(batch));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &batch));
    CHECK_OK(campfire_parser_feed_span(batch, tool, tool_count, NULL, NULL));
    CHECK_OK(campfire_parser_next_events(batch, NULL, 0, NULL, 0, &taken, &used));
    CHECK(taken == 0);
    CHECK_FAILS(campfire_parser_next_events(batch, events, 5, text, 13, &taken, &used), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(taken == 0 && used == 14);
    CHECK_FAILS(campfire_parser_next_events(batch, NULL, 5, text, sizeof text, &taken, &used), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_next_events(batch, events, 5, NULL, 5, &taken, &used), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_next_events(batch, events, 5, text, sizeof text, NULL, &used), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_next_events(batch, events, 5, text, sizeof text, &taken, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_OK(campfire_parser_free(one));
    CHECK_OK(campfire_parser_free(batch));
}

static void feed_span_events_delivers_a_chunk_in_one_call(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser one = NULL, chunked = NULL;
    transcript a = {0}, b = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &one));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &chunked));
    feed_all(one, ids, count, &a);
    campfire_event events[4];
    char text[48];
    size_t fed = 0, consumed = 0, taken = 0, used = 0, pending = 0;
    int calls = 0;
    /* chunks of 5 tokens, few event slots, a small text buffer: calls stop early and go on where they stopped */
    while (fed < count || pending > 0) {
        size_t chunk = count - fed < 5 ? count - fed : 5;
        CHECK_OK(campfire_parser_feed_span_events(chunked, ids + fed, chunk, events, 4, text, sizeof text, &consumed,
                                                  &taken, &used, &pending));
        CHECK(consumed <= chunk && taken <= 4 && used <= sizeof text);
        for (size_t k = 0; k < taken; k++) record(&b, &events[k], text);
        fed += consumed;
        CHECK(++calls < 1000);
    }
    CHECK(a.count == b.count);
    CHECK(strcmp(a.log, b.log) == 0);

    /* a first event too large, bad pointers, bad handles, unknown tokens */
    int32_t tool[128];
    size_t tool_count = encode(tool_text, tool, 128);
    CHECK_OK(campfire_parser_reset(chunked));
    campfire_parser tool_parser = NULL;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &tool_parser));
    CHECK_FAILS(campfire_parser_feed_span_events(tool_parser, tool, tool_count, events, 4, text, 13, &consumed, &taken,
                                                 &used, &pending), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(taken == 0 && used == 14 && pending >= 1);
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, NULL, 3, events, 4, text, sizeof text, &consumed, &taken,
                                                 &used, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, ids, 3, NULL, 4, text, sizeof text, &consumed, &taken,
                                                 &used, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, ids, 3, events, 4, NULL, 8, &consumed, &taken, &used, NULL),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, ids, 3, events, 4, text, sizeof text, NULL, &taken, &used,
                                                 NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, ids, 3, events, 4, text, sizeof text, &consumed, NULL, &used,
                                                 NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, ids, 3, events, 4, text, sizeof text, &consumed, &taken, NULL,
                                                 NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_feed_span_events((campfire_parser)(uintptr_t)0x99, ids, 3, events, 4, text,
                                                 sizeof text, &consumed, &taken, &used, NULL),
                CAMPFIRE_ERROR_INVALID_HANDLE);
    int32_t bad[2] = {ids[0], -3};
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, bad, 2, events, 4, text, sizeof text, &consumed, &taken,
                                                 &used, NULL), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK(consumed == 1);
    CHECK_OK(campfire_parser_free(tool_parser));
    CHECK_OK(campfire_parser_free(one));
    CHECK_OK(campfire_parser_free(chunked));
    CHECK_FAILS(campfire_parser_feed_span_events(chunked, ids, 3, events, 4, text, sizeof text, &consumed, &taken,
                                                 &used, NULL), CAMPFIRE_ERROR_FREED_HANDLE);
}

/* Feeds ids in chunks of `chunk` tokens through feed_span_events (large buffers) and records every event. */
static void feed_in_chunks(campfire_parser parser, const int32_t *ids, size_t count, size_t chunk, int32_t first_index,
                           transcript *t)
{
    static campfire_event events[256];
    static char text[4096];
    size_t fed = 0, consumed = 0, taken = 0, used = 0, pending = 0;
    while (fed < count) {
        size_t n = count - fed < chunk ? count - fed : chunk;
        CHECK_OK(campfire_parser_feed_span_events(parser, ids + fed, n, events, 256, text, sizeof text, &consumed,
                                                  &taken, &used, &pending));
        CHECK(consumed == n && pending == 0);
        size_t bytes = 0;
        for (size_t k = 0; k < taken; k++) {
            const campfire_event *e = &events[k];
            CHECK(e->token_index >= first_index + (int32_t)fed && e->token_index < first_index + (int32_t)(fed + n));
            bytes += (size_t)(e->name.length > 0 ? e->name.length : 0) +
                     (size_t)(e->channel.length > 0 ? e->channel.length : 0) +
                     (size_t)(e->recipient.length > 0 ? e->recipient.length : 0) +
                     (size_t)(e->content_type.length > 0 ? e->content_type.length : 0) +
                     (size_t)(e->text.length > 0 ? e->text.length : 0);
            record(t, e, text);
        }
        CHECK(bytes == used); /* the refs tile the text buffer */
        fed += n;
    }
}

static void chunk_boundaries_anywhere_give_the_token_by_token_events(void)
{
    /* "🔥" and "東京" are split over several tokens in some encodings; cutting chunks at every size must not split a
     * code point across events or lose the partial bytes held between calls */
    static const char split_text[] =
        "<|channel|>final<|message|>🔥🔥 東京 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 naïve café — 👩‍👩‍👧 🇯🇵<|end|>"
        "<|start|>assistant<|channel|>analysis<|message|>ok<|return|>";
    int32_t ids[256];
    size_t count = encode(split_text, ids, 256);
    campfire_parser reference = NULL;
    transcript expected = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &reference));
    feed_all(reference, ids, count, &expected);
    CHECK_OK(campfire_parser_free(reference));
    CHECK(strstr(expected.content, "🔥🔥 東京 𝔘𝔫𝔦𝔠𝔬𝔡𝔢") != NULL);
    for (size_t chunk = 1; chunk <= count; chunk++) {
        campfire_parser parser = NULL;
        transcript t = {0};
        CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser));
        feed_in_chunks(parser, ids, count, chunk, 0, &t);
        CHECK(t.count == expected.count);
        CHECK(strcmp(t.log, expected.log) == 0);
        CHECK_OK(campfire_parser_free(parser));
    }
}

static void an_error_inside_a_chunk_delivers_the_events_before_it_and_sticks(void)
{
    int32_t ids[160];
    size_t count = encode(tool_text, ids, 128);
    size_t good = count;
    ids[count++] = 13225; /* "Hello" outside any message: a parse error */
    ids[count++] = CAMPFIRE_TOKEN_START;
    campfire_parser parser = NULL, reference = NULL;
    transcript expected = {0}, t = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &reference));
    feed_all(reference, ids, good, &expected);
    CHECK_OK(campfire_parser_free(reference));

    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    campfire_event events[64];
    char text[1024];
    size_t consumed = 99, taken = 99, used = 99, pending = 99;
    CHECK_FAILS(campfire_parser_feed_span_events(parser, ids, count, events, 64, text, sizeof text, &consumed, &taken,
                                                 &used, &pending), CAMPFIRE_ERROR_PARSE);
    CHECK(consumed == good);
    CHECK(pending == 0);
    CHECK(strstr(check_last_error(), "token") != NULL);
    for (size_t k = 0; k < taken; k++) record(&t, &events[k], text);
    CHECK(t.count == expected.count && strcmp(t.log, expected.log) == 0);

    /* the failure sticks: the next call feeds nothing and says why */
    CHECK_FAILS(campfire_parser_feed_span_events(parser, ids + good + 1, 1, events, 64, text, sizeof text, &consumed,
                                                 &taken, &used, &pending), CAMPFIRE_ERROR_PARSE);
    CHECK(consumed == 0 && taken == 0 && used == 0);
    CHECK(strstr(check_last_error(), "reset") != NULL);
    campfire_event one;
    size_t length = 0;
    CHECK_FAILS(campfire_parser_feed_next(parser, ids[0], &one, text, sizeof text, &length, &pending),
                CAMPFIRE_ERROR_PARSE);
    CHECK(one.kind == CAMPFIRE_EVENT_NONE);

    /* save/restore keeps the tokens fed before the error: a restored copy goes on like a fresh parser would */
    uint8_t state[4096];
    size_t size = 0;
    CHECK_OK(campfire_parser_reset(parser));
    CHECK_OK(campfire_parser_feed_span_events(parser, ids, good - 3, events, 64, text, sizeof text, &consumed, &taken,
                                              &used, &pending));
    CHECK(consumed == good - 3);
    CHECK_OK(campfire_parser_save_state(parser, state, sizeof state, &size));
    CHECK(size >= 16 + 4 * (good - 3));
    campfire_parser copy = NULL;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &copy));
    CHECK_OK(campfire_parser_restore_state(copy, state, size));
    transcript rest_a = {0}, rest_b = {0};
    feed_in_chunks(parser, ids + good - 3, 3, 2, (int32_t)good - 3, &rest_a);
    feed_in_chunks(copy, ids + good - 3, 3, 2, (int32_t)good - 3, &rest_b);
    CHECK(rest_a.count > 0 && rest_a.count == rest_b.count && strcmp(rest_a.log, rest_b.log) == 0);
    CHECK_OK(campfire_parser_free(copy));
    CHECK_OK(campfire_parser_free(parser));
}

static void a_chunk_stops_where_the_caller_arrays_run_out(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser parser = NULL, reference = NULL;
    transcript expected = {0}, t = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &reference));
    feed_all(reference, ids, count, &expected);
    CHECK_OK(campfire_parser_free(reference));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser));
    campfire_event events[2];
    char text[56]; /* the tool call's header needs 48 bytes */
    size_t consumed = 0, taken = 0, used = 0, pending = 0;

    /* no event slots: tokens are fed up to the first that makes an event, which stays queued; the next call hands it
     * out first */
    CHECK_OK(campfire_parser_feed_span_events(parser, ids, count, NULL, 0, NULL, 0, &consumed, &taken, &used,
                                              &pending));
    CHECK(consumed >= 1 && taken == 0 && used == 0 && pending >= 1); /* header tokens before it make no event */
    size_t fed = consumed;
    CHECK_OK(campfire_parser_feed_span_events(parser, ids + 1, 0, events, 2, text, sizeof text, &consumed, &taken,
                                              &used, &pending));
    CHECK(consumed == 0 && taken >= 1);
    for (size_t k = 0; k < taken; k++) record(&t, &events[k], text);

    /* two slots and 56 bytes: every call stops at the first event that does not fit, none is lost or reordered */
    int calls = 0;
    while ((fed < count || pending > 0) && calls < 1000) {
        CHECK_OK(campfire_parser_feed_span_events(parser, ids + fed, count - fed, events, 2, text, sizeof text,
                                                  &consumed, &taken, &used, &pending));
        CHECK(taken <= 2 && used <= sizeof text);
        CHECK(taken > 0 || consumed > 0);
        for (size_t k = 0; k < taken; k++) record(&t, &events[k], text);
        fed += consumed;
        calls++;
    }
    CHECK(calls >= expected.count / 2 && calls < 1000); /* at most two events per call */
    CHECK(t.count == expected.count && strcmp(t.log, expected.log) == 0);
    CHECK_OK(campfire_parser_free(parser));
}

static void a_parse_error_keeps_earlier_events_and_sticks_until_reset(void)
{
    int32_t ids[128], plain[8];
    size_t count = encode(tool_text, ids, 128);
    size_t plain_count = encode("hello", plain, 8);
    campfire_parser parser = NULL;
    transcript t = {0};
    size_t pending = 0;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_OK(campfire_parser_feed_span(parser, ids, count, NULL, NULL));
    /* text between messages (no <|start|>) breaks the grammar */
    CHECK_FAILS(campfire_parser_feed(parser, plain[0], &pending), CAMPFIRE_ERROR_PARSE);
    CHECK(strstr(check_last_error(), "token") != NULL);
    CHECK(pending > 0);
    drain(parser, &t);
    CHECK(strcmp(t.content, "result 𝔘𝔫𝔦") == 0);
    /* it sticks */
    CHECK_FAILS(campfire_parser_feed(parser, CAMPFIRE_TOKEN_START, NULL), CAMPFIRE_ERROR_PARSE);
    CHECK_FAILS(campfire_parser_finish(parser, NULL), CAMPFIRE_ERROR_PARSE);
    size_t consumed = 99;
    CHECK_FAILS(campfire_parser_feed_span(parser, ids, count, &consumed, NULL), CAMPFIRE_ERROR_PARSE);
    CHECK(consumed == 0);
    /* reset clears it */
    CHECK_OK(campfire_parser_reset(parser));
    transcript again = {0};
    feed_all(parser, ids, count, &again);
    CHECK(strcmp(again.log, t.log) == 0);
    (void)plain_count;
    CHECK_OK(campfire_parser_free(parser));
}

static void span_reports_where_it_stopped(void)
{
    int32_t ids[128];
    size_t count = encode(tool_text, ids, 120);
    ids[count] = 13225; /* "Hello" outside any message */
    campfire_parser parser = NULL;
    size_t consumed = 0;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_FAILS(campfire_parser_feed_span(parser, ids, count + 1, &consumed, NULL), CAMPFIRE_ERROR_PARSE);
    CHECK(consumed == count);
    CHECK_OK(campfire_parser_free(parser));
}

static void unknown_ids_fail_strictly_and_are_recovered_leniently(void)
{
    campfire_parser strict = NULL, lenient = NULL;
    transcript t = {0};
    int32_t ids[64];
    size_t count = encode("<|channel|>final<|message|>ok", ids, 64);
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &strict));
    CHECK_OK(campfire_parser_feed_span(strict, ids, count, NULL, NULL));
    CHECK_FAILS(campfire_parser_feed(strict, CAMPFIRE_VOCABULARY_SIZE + 5, NULL), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK(strstr(check_last_error(), "201093") != NULL);
    CHECK_FAILS(campfire_parser_feed(strict, -1, NULL), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK_OK(campfire_parser_free(strict));

    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_LENIENT, &lenient));
    CHECK_OK(campfire_parser_feed_span(lenient, ids, count, NULL, NULL));
    CHECK_OK(campfire_parser_feed(lenient, -1, NULL));
    drain(lenient, &t);
    CHECK(strstr(t.log, "InvalidTokenId") != NULL);
    CHECK_OK(campfire_parser_free(lenient));
}

static void finish_closes_or_refuses_an_open_message(void)
{
    int32_t ids[64];
    size_t count = encode("<|channel|>final<|message|>cut off here", ids, 64);
    campfire_parser parser = NULL;
    transcript t = {0};
    size_t pending = 0;
    /* lenient: the cut-off message is kept and closed without a stop token */
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_LENIENT, &parser));
    feed_all(parser, ids, count, &t);
    CHECK_OK(campfire_parser_finish(parser, &pending));
    CHECK(pending > 0);
    drain(parser, &t);
    CHECK(strstr(t.log, "k4 r1 e-1|") != NULL);
    CHECK_OK(campfire_parser_free(parser));

    /* strict: the input may not end inside a header */
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_OK(campfire_parser_feed(parser, CAMPFIRE_TOKEN_START, NULL));
    CHECK_FAILS(campfire_parser_finish(parser, NULL), CAMPFIRE_ERROR_PARSE);
    CHECK_OK(campfire_parser_free(parser));
}

static void a_too_small_text_buffer_keeps_the_event_queued(void)
{
    int32_t ids[128];
    size_t count = encode(tool_text, ids, 128);
    campfire_parser parser = NULL;
    campfire_event e;
    char text[64];
    size_t length = 0;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_OK(campfire_parser_feed_span(parser, ids, count, NULL, NULL));
    /* the first event is the message start with its name */
    CHECK_FAILS(campfire_parser_next_event(parser, &e, NULL, 0, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == 14); /* "browser.search" */
    CHECK_FAILS(campfire_parser_next_event(parser, &e, text, 13, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK_OK(campfire_parser_next_event(parser, &e, text, 14, &length));
    CHECK(e.kind == CAMPFIRE_EVENT_MESSAGE_START && length == 14);
    CHECK(e.name.offset == 0 && e.name.length == 14 && memcmp(text, "browser.search", 14) == 0);
    CHECK_OK(campfire_parser_free(parser));
}

static void a_saved_state_resumes_anywhere_with_the_same_events(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    for (size_t cut = 0; cut <= count; cut += 3) {
        campfire_parser original = NULL, copy = NULL;
        transcript expected = {0}, actual = {0};
        CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &original));
        /* the copy starts with other options: restore replaces them too */
        CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_LENIENT, &copy));
        CHECK_OK(campfire_parser_feed_span(original, ids, cut, NULL, NULL));
        /* half of the queued events are read before saving, the rest travel in the state */
        campfire_event e;
        char text[512];
        size_t length = 0;
        for (int k = 0; k < (int)cut / 2; k++) {
            CHECK_OK(campfire_parser_next_event(original, &e, text, sizeof text, &length));
        }
        size_t size = 0;
        CHECK_FAILS(campfire_parser_save_state(original, NULL, 0, &size), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
        uint8_t *state = malloc(size);
        size_t written = 0;
        CHECK_OK(campfire_parser_save_state(original, state, size, &written));
        CHECK(written == size);
        CHECK_OK(campfire_parser_restore_state(copy, state, size));
        feed_all(original, ids + cut, count - cut, &expected);
        feed_all(copy, ids + cut, count - cut, &actual);
        CHECK(expected.count == actual.count);
        CHECK(strcmp(expected.log, actual.log) == 0);
        /* restoring rewinds a parser that went further */
        transcript rewound = {0};
        CHECK_OK(campfire_parser_restore_state(original, state, size));
        feed_all(original, ids + cut, count - cut, &rewound);
        CHECK(strcmp(expected.log, rewound.log) == 0);
        free(state);
        CHECK_OK(campfire_parser_free(original));
        CHECK_OK(campfire_parser_free(copy));
    }
}

static void a_failed_state_is_saved_and_restored_as_failed(void)
{
    campfire_parser parser = NULL, copy = NULL;
    uint8_t state[4096];
    size_t size = 0;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, &copy));
    CHECK_FAILS(campfire_parser_feed(parser, 13225, NULL), CAMPFIRE_ERROR_PARSE);
    CHECK_OK(campfire_parser_save_state(parser, state, sizeof state, &size));
    CHECK_OK(campfire_parser_restore_state(copy, state, size));
    CHECK_FAILS(campfire_parser_feed(copy, CAMPFIRE_TOKEN_START, NULL), CAMPFIRE_ERROR_PARSE);
    CHECK_OK(campfire_parser_free(parser));
    CHECK_OK(campfire_parser_free(copy));
}

static void a_state_saved_after_finish_replays_the_finish(void)
{
    int32_t ids[256];
    size_t count = encode("<|channel|>final<|message|>cut off", ids, 128);
    size_t more = encode("<|start|>assistant<|channel|>final<|message|>again<|return|>", ids + count, 128);
    campfire_parser parser = NULL, copy = NULL;
    uint8_t state[4096];
    size_t size = 0;
    transcript expected = {0}, actual = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_LENIENT, &parser));
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_LENIENT, &copy));
    CHECK_OK(campfire_parser_feed_span(parser, ids, count, NULL, NULL));
    CHECK_OK(campfire_parser_finish(parser, NULL)); /* closes the cut-off message */
    CHECK_OK(campfire_parser_feed_span(parser, ids + count, 3, NULL, NULL));
    CHECK_OK(campfire_parser_save_state(parser, state, sizeof state, &size));
    CHECK_OK(campfire_parser_restore_state(copy, state, size));
    feed_all(parser, ids + count + 3, more - 3, &expected);
    feed_all(copy, ids + count + 3, more - 3, &actual);
    CHECK(strstr(expected.log, "again") != NULL || strstr(expected.content, "again") != NULL);
    CHECK(strcmp(expected.log, actual.log) == 0);
    drain(parser, &expected);
    drain(copy, &actual);
    CHECK_OK(campfire_parser_free(parser));
    CHECK_OK(campfire_parser_free(copy));
}

static void corrupt_states_are_refused_and_change_nothing(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256);
    campfire_parser parser = NULL;
    uint8_t state[8192], bad[8192];
    size_t size = 0;
    transcript expected = {0}, actual = {0};
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_OK(campfire_parser_feed_span(parser, ids, 10, NULL, NULL));
    CHECK_OK(campfire_parser_save_state(parser, state, sizeof state, &size));

    CHECK_FAILS(campfire_parser_restore_state(parser, state, size - 1), CAMPFIRE_ERROR_INVALID_STATE);
    CHECK_FAILS(campfire_parser_restore_state(parser, state, 7), CAMPFIRE_ERROR_INVALID_STATE);
    CHECK_FAILS(campfire_parser_restore_state(parser, NULL, 0), CAMPFIRE_ERROR_INVALID_STATE);
    for (size_t i = 0; i < size; i += 5) {
        memcpy(bad, state, size);
        bad[i] ^= 0x5A;
        CHECK_FAILS(campfire_parser_restore_state(parser, bad, size), CAMPFIRE_ERROR_INVALID_STATE);
    }
    memset(bad, 0xAB, sizeof bad);
    CHECK_FAILS(campfire_parser_restore_state(parser, bad, sizeof bad), CAMPFIRE_ERROR_INVALID_STATE);

    /* the parser went on exactly as before the failed restores */
    campfire_parser fresh = NULL;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &fresh));
    CHECK_OK(campfire_parser_restore_state(fresh, state, size));
    feed_all(parser, ids + 10, count - 10, &actual);
    feed_all(fresh, ids + 10, count - 10, &expected);
    CHECK(strcmp(expected.log, actual.log) == 0);
    CHECK_OK(campfire_parser_free(fresh));
    CHECK_OK(campfire_parser_free(parser));
}

static void bad_arguments_and_handles_are_reported(void)
{
    campfire_parser parser = NULL;
    campfire_decoder decoder = NULL;
    campfire_event e;
    char text[16];
    uint8_t state[64];
    size_t n = 0;
    int32_t token = 200006;
    CHECK_FAILS(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_create(5, CAMPFIRE_PARSE_STRICT, &parser), CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_parser_create(-2, CAMPFIRE_PARSE_STRICT, &parser), CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_parser_create(CAMPFIRE_ROLE_USER, 3, &parser), CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_parser_create(CAMPFIRE_ROLE_USER, -1, &parser), CAMPFIRE_ERROR_INVALID_ARGUMENT);

    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_USER, CAMPFIRE_PARSE_NON_STRICT, &parser));
    CHECK_FAILS(campfire_parser_feed_span(parser, NULL, 3, &n, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_next_event(parser, NULL, text, sizeof text, &n), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_next_event(parser, &e, text, sizeof text, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_next_event(parser, &e, NULL, 4, &n), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_save_state(parser, state, sizeof state, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_save_state(parser, NULL, 4, &n), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parser_restore_state(parser, NULL, 4), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_OK(campfire_parser_free(parser));

    /* every function refuses a freed handle, a NULL handle, garbage, and a decoder handle */
    campfire_parser invalid[3] = {(campfire_parser)(uintptr_t)0x99, (campfire_parser)(uintptr_t)~(uintptr_t)0, NULL};
    CHECK_OK(campfire_decoder_create(&decoder));
    invalid[2] = (campfire_parser)(void *)decoder;
    for (int k = -2; k < 3; k++) {
        campfire_parser h = k == -2 ? parser : k == -1 ? NULL : invalid[k];
        campfire_status expected = k == -2 ? CAMPFIRE_ERROR_FREED_HANDLE
                                 : k == -1 ? CAMPFIRE_ERROR_NULL_POINTER
                                           : CAMPFIRE_ERROR_INVALID_HANDLE;
        CHECK_FAILS(campfire_parser_feed(h, token, &n), expected);
        CHECK_FAILS(campfire_parser_feed_span(h, &token, 1, &n, &n), expected);
        CHECK_FAILS(campfire_parser_finish(h, &n), expected);
        CHECK_FAILS(campfire_parser_next_event(h, &e, text, sizeof text, &n), expected);
        CHECK_FAILS(campfire_parser_next_events(h, &e, 1, text, sizeof text, &n, &n), expected);
        CHECK_FAILS(campfire_parser_feed_next(h, token, &e, text, sizeof text, &n, &n), expected);
        CHECK_FAILS(campfire_parser_save_state(h, state, sizeof state, &n), expected);
        CHECK_FAILS(campfire_parser_restore_state(h, state, sizeof state), expected);
        CHECK_FAILS(campfire_parser_reset(h), expected);
        CHECK_FAILS(campfire_parser_free(h), expected);
    }
    CHECK_OK(campfire_decoder_free(decoder));
}

/* Each thread parses with its own parser (and encodes, a thread-safe function) while the others do the same. */
static void *parse_on_a_thread(void *result)
{
    int32_t ids[256];
    size_t count = 0;
    transcript *t = result;
    campfire_parser parser = NULL;
    if (campfire_encode(completion_text, strlen(completion_text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, ids, 256, &count) !=
            CAMPFIRE_OK ||
        campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser) != CAMPFIRE_OK) {
        return NULL;
    }
    static const char conversation[] =
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather in 東京?\"}]}";
    int32_t prompt[64];
    size_t prompt_count = 0;
    for (int round = 0; round < 20; round++) {
        memset(t, 0, sizeof *t);
        /* rendering (thread-safe, shared caches) interleaved with this thread's own parser */
        if (campfire_render_conversation_for_completion(conversation, sizeof conversation - 1, CAMPFIRE_ROLE_ASSISTANT, 0,
                                                        prompt, 64, &prompt_count) != CAMPFIRE_OK) {
            append(t, "render failed", 13);
        }
        campfire_parser_reset(parser);
        for (size_t i = 0; i < count; i++) {
            campfire_event e;
            char text[512];
            size_t length = 0, pending = 0;
            campfire_parser_feed(parser, ids[i], &pending);
            while (pending-- > 0 && campfire_parser_next_event(parser, &e, text, sizeof text, &length) == CAMPFIRE_OK) {
                record(t, &e, text);
            }
        }
    }
    campfire_parser_free(parser);
    return result;
}

static void parsers_on_different_threads_do_not_interfere(void)
{
    enum { THREADS = 4 };
    pthread_t threads[THREADS];
    static transcript results[THREADS + 1];
    parse_on_a_thread(&results[THREADS]);
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, parse_on_a_thread, &results[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        void *out = NULL;
        CHECK(pthread_join(threads[i], &out) == 0 && out == &results[i]);
        CHECK(results[i].count > 10 && strcmp(results[i].log, results[THREADS].log) == 0);
    }
}

void test_parser(void)
{
    events_describe_each_message_as_it_streams();
    tool_messages_carry_their_author_name();
    a_span_gives_the_same_events_as_single_tokens();
    feed_next_gives_the_same_events_as_feed_then_next_event();
    feed_next_leaves_an_event_that_does_not_fit_in_the_queue();
    next_events_takes_a_batch_in_order();
    feed_span_events_delivers_a_chunk_in_one_call();
    chunk_boundaries_anywhere_give_the_token_by_token_events();
    an_error_inside_a_chunk_delivers_the_events_before_it_and_sticks();
    a_chunk_stops_where_the_caller_arrays_run_out();
    a_parse_error_keeps_earlier_events_and_sticks_until_reset();
    span_reports_where_it_stopped();
    unknown_ids_fail_strictly_and_are_recovered_leniently();
    finish_closes_or_refuses_an_open_message();
    a_too_small_text_buffer_keeps_the_event_queued();
    a_saved_state_resumes_anywhere_with_the_same_events();
    a_failed_state_is_saved_and_restored_as_failed();
    a_state_saved_after_finish_replays_the_finish();
    corrupt_states_are_refused_and_change_nothing();
    bad_arguments_and_handles_are_reported();
    parsers_on_different_threads_do_not_interfere();
}
