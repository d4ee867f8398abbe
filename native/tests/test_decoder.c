/* campfire_decoder_*: streaming decode never splits a character; handles are validated. */
#include "check.h"

/* Finds the id of the single-byte token for `byte` (the byte-level ids are a permutation of 0..255). */
static int32_t byte_token(unsigned char byte)
{
    char text[8];
    size_t length = 0;
    for (int32_t id = 0; id < 256; id++) {
        if (campfire_decode(&id, 1, text, sizeof text, &length) == CAMPFIRE_OK && length == 1 &&
            (unsigned char)text[0] == byte) {
            return id;
        }
    }
    return -1;
}

static int is_complete_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = s[i] < 0x80 ? 1 : s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC0 ? 2 : 0;
        if (len == 0 || i + len > n) {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        i += len;
    }
    return 1;
}

static void streamed_text_equals_the_text_and_never_splits_a_character(void)
{
    /* rare 4-byte characters are split across byte-level tokens */
    static const char text[] = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ꙮ 𓀀𓁐 naïve 東京 🔥";
    int32_t ids[256];
    size_t count = 0;
    char out[512];
    size_t total = 0;
    int split_seen = 0;
    campfire_decoder decoder = NULL;
    CHECK_OK(campfire_encode(text, sizeof text - 1, 0, ids, 256, &count));
    CHECK_OK(campfire_decoder_create(&decoder));
    for (size_t i = 0; i < count; i++) {
        size_t length = 0;
        char piece[64];
        size_t piece_length = 0;
        CHECK_OK(campfire_decode(&ids[i], 1, piece, sizeof piece, &piece_length));
        if (!is_complete_utf8((const unsigned char *)piece, piece_length)) {
            split_seen = 1;
        }
        CHECK_OK(campfire_decoder_feed(decoder, ids[i], out + total, sizeof out - total, &length));
        CHECK(is_complete_utf8((const unsigned char *)out + total, length));
        total += length;
    }
    size_t tail = 0;
    CHECK_OK(campfire_decoder_finish(decoder, out + total, sizeof out - total, &tail));
    CHECK(tail == 0);
    CHECK(split_seen);
    CHECK(total == sizeof text - 1);
    CHECK(memcmp(out, text, total) == 0);
    CHECK_OK(campfire_decoder_free(decoder));
}

static void a_full_buffer_does_not_consume_the_token(void)
{
    campfire_decoder decoder = NULL;
    char out[16];
    size_t length = 0;
    CHECK_OK(campfire_decoder_create(&decoder));
    CHECK_FAILS(campfire_decoder_feed(decoder, 13225 /* "Hello" */, out, 2, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == 5);
    CHECK_FAILS(campfire_decoder_feed(decoder, 13225, NULL, 0, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK_OK(campfire_decoder_feed(decoder, 13225, out, sizeof out, &length));
    CHECK(length == 5 && memcmp(out, "Hello", 5) == 0);
    CHECK_OK(campfire_decoder_free(decoder));
}

static void ill_formed_bytes_become_replacement_characters(void)
{
    campfire_decoder decoder = NULL;
    char out[16];
    size_t length = 0;
    int32_t continuation = byte_token(0x80), lead = byte_token(0xF0), letter = byte_token('A');
    CHECK(continuation >= 0 && lead >= 0 && letter >= 0);
    CHECK_OK(campfire_decoder_create(&decoder));

    /* a lone continuation byte can never be completed */
    CHECK_OK(campfire_decoder_feed(decoder, continuation, out, sizeof out, &length));
    CHECK(length == 3 && memcmp(out, "\xEF\xBF\xBD", 3) == 0);

    /* a lead byte waits; a letter after it breaks the sequence: U+FFFD then the letter */
    CHECK_OK(campfire_decoder_feed(decoder, lead, out, sizeof out, &length));
    CHECK(length == 0);
    CHECK_OK(campfire_decoder_feed(decoder, letter, out, sizeof out, &length));
    CHECK(length == 4 && memcmp(out, "\xEF\xBF\xBD" "A", 4) == 0);

    /* a stream that ends inside a character: U+FFFD and INVALID_UTF8, and the decoder is empty again */
    CHECK_OK(campfire_decoder_feed(decoder, lead, out, sizeof out, &length));
    CHECK_FAILS(campfire_decoder_finish(decoder, NULL, 0, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == 3);
    CHECK_FAILS(campfire_decoder_finish(decoder, out, sizeof out, &length), CAMPFIRE_ERROR_INVALID_UTF8);
    CHECK(length == 3 && memcmp(out, "\xEF\xBF\xBD", 3) == 0);
    CHECK_OK(campfire_decoder_finish(decoder, out, sizeof out, &length));
    CHECK(length == 0);
    CHECK_OK(campfire_decoder_free(decoder));
}

static void unknown_tokens_leave_the_decoder_unchanged(void)
{
    campfire_decoder decoder = NULL;
    char out[16];
    size_t length = 0;
    int32_t lead = byte_token(0xC3); /* first byte of "é" (C3 A9) */
    int32_t tail = byte_token(0xA9);
    CHECK_OK(campfire_decoder_create(&decoder));
    CHECK_OK(campfire_decoder_feed(decoder, lead, out, sizeof out, &length));
    CHECK(length == 0);
    CHECK_FAILS(campfire_decoder_feed(decoder, -5, out, sizeof out, &length), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK_FAILS(campfire_decoder_feed(decoder, CAMPFIRE_VOCABULARY_SIZE, out, sizeof out, &length),
                CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK_OK(campfire_decoder_feed(decoder, tail, out, sizeof out, &length));
    CHECK(length == 2 && memcmp(out, "\xC3\xA9", 2) == 0);
    CHECK_OK(campfire_decoder_free(decoder));
}

static void handles_are_validated(void)
{
    campfire_decoder decoder = NULL;
    campfire_parser parser = NULL;
    char out[16];
    size_t length = 0;
    CHECK_FAILS(campfire_decoder_create(NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_OK(campfire_decoder_create(&decoder));
    CHECK_FAILS(campfire_decoder_feed(decoder, 13225, out, sizeof out, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decoder_feed(decoder, 13225, NULL, 4, &length), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decoder_finish(decoder, out, sizeof out, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_OK(campfire_decoder_free(decoder));

    CHECK_FAILS(campfire_decoder_feed(decoder, 13225, out, sizeof out, &length), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_FAILS(campfire_decoder_finish(decoder, out, sizeof out, &length), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_FAILS(campfire_decoder_free(decoder), CAMPFIRE_ERROR_FREED_HANDLE);

    CHECK_FAILS(campfire_decoder_feed(NULL, 13225, out, sizeof out, &length), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decoder_free(NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decoder_feed((campfire_decoder)(uintptr_t)0x1234, 13225, out, sizeof out, &length),
                CAMPFIRE_ERROR_INVALID_HANDLE);
    CHECK_FAILS(campfire_decoder_free((campfire_decoder)(uintptr_t)0xdeadbeefULL), CAMPFIRE_ERROR_INVALID_HANDLE);
    CHECK_FAILS(campfire_decoder_finish((campfire_decoder)(uintptr_t)~(uintptr_t)0, out, sizeof out, &length),
                CAMPFIRE_ERROR_INVALID_HANDLE);

    /* a parser handle is not a decoder handle */
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser));
    CHECK_FAILS(campfire_decoder_feed((campfire_decoder)(void *)parser, 13225, out, sizeof out, &length),
                CAMPFIRE_ERROR_INVALID_HANDLE);
    CHECK_OK(campfire_parser_free(parser));
}

static void many_decoders_live_at_once(void)
{
    enum { N = 300 };
    campfire_decoder decoders[N];
    char out[16];
    size_t length = 0;
    for (int i = 0; i < N; i++) {
        CHECK_OK(campfire_decoder_create(&decoders[i]));
    }
    for (int i = 0; i < N; i += 2) {
        CHECK_OK(campfire_decoder_free(decoders[i]));
    }
    for (int i = 0; i < N; i++) {
        CHECK_STATUS(campfire_decoder_feed(decoders[i], 13225, out, sizeof out, &length),
                     i % 2 == 0 ? CAMPFIRE_ERROR_FREED_HANDLE : CAMPFIRE_OK);
    }
    /* freed slots are reused, yet the old handles stay freed */
    campfire_decoder again = NULL;
    CHECK_OK(campfire_decoder_create(&again));
    CHECK(again != decoders[0] && again != decoders[N - 2]);
    CHECK_FAILS(campfire_decoder_feed(decoders[N - 2], 13225, out, sizeof out, &length), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_OK(campfire_decoder_free(again));
    for (int i = 1; i < N; i += 2) {
        CHECK_OK(campfire_decoder_free(decoders[i]));
    }
}

void test_decoder(void)
{
    streamed_text_equals_the_text_and_never_splits_a_character();
    a_full_buffer_does_not_consume_the_token();
    ill_formed_bytes_become_replacement_characters();
    unknown_tokens_leave_the_decoder_unchanged();
    handles_are_validated();
    many_decoders_live_at_once();
}
