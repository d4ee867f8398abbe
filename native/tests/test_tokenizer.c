/* campfire_encode, campfire_count_tokens, campfire_decode: results, buffer protocol and every error code. */
#include "check.h"

#define TEXT(s) (s), (sizeof(s) - 1)

static int contains_special(const int32_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= 199998) {
            return 1;
        }
    }
    return 0;
}

static void encode_then_decode_round_trips(void)
{
    static const char text[] = "Hello world! naïve café, Москва, 東京, 🔥🎉 and <|end|> typed as text.";
    int32_t ids[256];
    char back[512];
    size_t count = 0, length = 0, counted = 0;
    CHECK_OK(campfire_encode(TEXT(text), 0, ids, 256, &count));
    CHECK(count > 10 && count < sizeof text);
    CHECK(!contains_special(ids, count));
    CHECK_OK(campfire_count_tokens(TEXT(text), 0, &counted));
    CHECK(counted == count);
    CHECK_OK(campfire_decode(ids, count, back, sizeof back, &length));
    CHECK(length == sizeof text - 1);
    CHECK(memcmp(back, text, length) == 0);
}

static void hello_world_has_the_reference_ids(void)
{
    int32_t ids[8];
    size_t count = 0;
    CHECK_OK(campfire_encode(TEXT("Hello world"), 0, ids, 8, &count));
    CHECK(count == 2);
    CHECK(ids[0] == 13225 && ids[1] == 2375);
}

static void special_tokens_need_the_flag(void)
{
    static const char text[] = "<|start|>user<|message|>Hi<|end|>";
    int32_t ids[64];
    size_t count = 0, counted = 0;
    CHECK_OK(campfire_encode(TEXT(text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, ids, 64, &count));
    CHECK(count >= 5);
    CHECK(ids[0] == CAMPFIRE_TOKEN_START);
    CHECK(ids[count - 1] == CAMPFIRE_TOKEN_END);
    CHECK_OK(campfire_count_tokens(TEXT(text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, &counted));
    CHECK(counted == count);

    CHECK_OK(campfire_encode(TEXT(text), 0, ids, 64, &count));
    CHECK(!contains_special(ids, count));

    char literal[16];
    size_t length = 0;
    int32_t end = CAMPFIRE_TOKEN_END;
    CHECK_OK(campfire_decode(&end, 1, literal, sizeof literal, &length));
    CHECK(length == 7 && memcmp(literal, "<|end|>", 7) == 0);
}

static void empty_input_is_fine(void)
{
    size_t count = 99;
    CHECK_OK(campfire_encode(NULL, 0, 0, NULL, 0, &count));
    CHECK(count == 0);
    CHECK_OK(campfire_count_tokens(NULL, 0, 0, &count));
    CHECK(count == 0);
    CHECK_OK(campfire_decode(NULL, 0, NULL, 0, &count));
    CHECK(count == 0);
}

static void encode_reports_the_size_it_needs_and_writes_nothing(void)
{
    int32_t ids[3] = {-7, -7, -7};
    size_t needed = 0, count = 0;
    CHECK_FAILS(campfire_encode(TEXT("one two three four five"), 0, NULL, 0, &needed), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(needed == 5);
    CHECK_FAILS(campfire_encode(TEXT("one two three four five"), 0, ids, 3, &count), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(count == 5);
    CHECK(ids[0] == -7 && ids[1] == -7 && ids[2] == -7);
    CHECK(strstr(check_last_error(), "5") != NULL);
}

static void decode_reports_the_size_it_needs_and_writes_nothing(void)
{
    int32_t ids[2] = {13225, 2375};
    char small[4] = {'x', 'x', 'x', 'x'};
    size_t length = 0;
    CHECK_FAILS(campfire_decode(ids, 2, small, sizeof small, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == 11);
    CHECK(small[0] == 'x');
    CHECK_FAILS(campfire_decode(ids, 2, NULL, 0, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == 11);
}

static void bad_pointers_are_rejected(void)
{
    int32_t ids[4];
    char text[4];
    size_t count = 0;
    CHECK_FAILS(campfire_encode(NULL, 3, 0, ids, 4, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_encode(TEXT("abc"), 0, NULL, 4, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_encode(TEXT("abc"), 0, ids, 4, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_count_tokens(NULL, 1, 0, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_count_tokens(TEXT("abc"), 0, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decode(NULL, 2, text, 4, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decode(ids, 0, NULL, 4, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_decode(ids, 0, text, 4, NULL), CAMPFIRE_ERROR_NULL_POINTER);
}

static void unknown_flags_are_rejected(void)
{
    int32_t ids[4];
    size_t count = 0;
    CHECK_FAILS(campfire_encode(TEXT("abc"), 2, ids, 4, &count), CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_count_tokens(TEXT("abc"), -1, &count), CAMPFIRE_ERROR_INVALID_ARGUMENT);
}

static void ill_formed_utf8_is_rejected_with_its_offset(void)
{
    static const char *bad[] = {
        "ab\xff",             /* never valid */
        "ab\xc0\xaf",         /* overlong */
        "ab\xe2\x82",         /* truncated */
        "ab\xed\xa0\x80",     /* surrogate */
        "ab\x80",             /* lone continuation */
    };
    int32_t ids[16];
    size_t count = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_FAILS(campfire_encode(bad[i], strlen(bad[i]), 0, ids, 16, &count), CAMPFIRE_ERROR_INVALID_UTF8);
        CHECK(strstr(check_last_error(), "byte 2") != NULL);
        CHECK_FAILS(campfire_count_tokens(bad[i], strlen(bad[i]), CAMPFIRE_ENCODE_ALLOW_SPECIAL, &count),
                    CAMPFIRE_ERROR_INVALID_UTF8);
    }
}

static void unknown_token_ids_are_rejected_with_their_index(void)
{
    int32_t ids[3] = {13225, CAMPFIRE_VOCABULARY_SIZE, 2375};
    int32_t negative = -1;
    char text[64];
    size_t length = 0;
    CHECK_FAILS(campfire_decode(ids, 3, text, sizeof text, &length), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK(strstr(check_last_error(), "201088") != NULL);
    CHECK(strstr(check_last_error(), "index 1") != NULL);
    CHECK_FAILS(campfire_decode(&negative, 1, text, sizeof text, &length), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
}

static void every_id_decodes(void)
{
    /* every id, specials and reserved ids included, decodes without error; no token is longer than the
     * bound the streaming decoder documents */
    static char text[CAMPFIRE_DECODER_MAX_FEED_BYTES];
    size_t length = 0;
    int failures = 0;
    for (int32_t id = 0; id < CAMPFIRE_VOCABULARY_SIZE; id++) {
        if (campfire_decode(&id, 1, text, sizeof text, &length) != CAMPFIRE_OK || length == 0) {
            failures++;
        }
    }
    int32_t last = CAMPFIRE_VOCABULARY_SIZE - 1;
    CHECK_OK(campfire_decode(&last, 1, text, sizeof text, &length));
    CHECK(failures == 0);
}

void test_tokenizer(void)
{
    encode_then_decode_round_trips();
    hello_world_has_the_reference_ids();
    special_tokens_need_the_flag();
    empty_input_is_fine();
    encode_reports_the_size_it_needs_and_writes_nothing();
    decode_reports_the_size_it_needs_and_writes_nothing();
    bad_pointers_are_rejected();
    unknown_flags_are_rejected();
    ill_formed_utf8_is_rejected_with_its_offset();
    unknown_token_ids_are_rejected_with_their_index();
    every_id_decodes();
}
