/* campfire_grammar_* / campfire_constraint_*: the Harmony grammar as a token mask for a host's own sampler. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

static const char conversation[] =
    "{\"messages\":["
    "{\"role\":\"developer\",\"content\":[{\"type\":\"developer_content\",\"tools\":{\"functions\":{\"name\":\"functions\","
    "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather\",\"parameters\":{\"type\":\"object\","
    "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],\"additionalProperties\":false}}]}}}]},"
    "{\"role\":\"user\",\"content\":\"Weather in Oslo?\"}]}";

static int allowed(const uint64_t *mask, int32_t id)
{
    return (int)((mask[id / 64] >> (id % 64)) & 1u);
}

static size_t count_allowed(const uint64_t *mask)
{
    size_t n = 0;
    for (size_t w = 0; w < CAMPFIRE_MASK_WORDS; w++) {
        for (uint64_t bits = mask[w]; bits != 0; bits &= bits - 1) {
            n++;
        }
    }
    return n;
}

static size_t encode(const char *text, int32_t *ids, size_t capacity)
{
    size_t count = 0;
    CHECK_OK(campfire_encode(text, strlen(text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, ids, capacity, &count));
    return count;
}

static void a_valid_call_is_allowed_token_by_token_and_completes(void)
{
    campfire_grammar grammar = NULL;
    campfire_constraint constraint = NULL;
    uint64_t *mask = malloc(CAMPFIRE_MASK_WORDS * sizeof *mask);
    int32_t ids[128];
    int32_t complete = -1;
    size_t count = encode("<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>"
                          "{\"city\": \"Oslo\"}<|call|>", ids, 128);
    CHECK(count > 5 && ids[count - 1] == CAMPFIRE_TOKEN_CALL);
    CHECK(CAMPFIRE_MASK_WORDS == (CAMPFIRE_VOCABULARY_SIZE + 63) / 64);
    CHECK_OK(campfire_grammar_create(conversation, sizeof conversation - 1, &grammar));
    CHECK_OK(campfire_constraint_create(grammar, NULL, 0, &constraint));
    CHECK_OK(campfire_constraint_prepare(constraint));
    for (size_t i = 0; i < count; i++) {
        if (i == count / 2) {
            CHECK_OK(campfire_constraint_prepare(constraint)); /* at once, and the sequence stays where it was */
        }
        CHECK_OK(campfire_constraint_is_complete(constraint, &complete));
        CHECK(complete == 0);
        CHECK_OK(campfire_constraint_fill_mask(constraint, mask, CAMPFIRE_MASK_WORDS));
        CHECK(allowed(mask, ids[i]));
        CHECK_OK(campfire_constraint_accept(constraint, ids[i]));
    }
    CHECK_OK(campfire_constraint_is_complete(constraint, &complete));
    CHECK(complete == 1);
    CHECK_OK(campfire_constraint_fill_mask(constraint, mask, CAMPFIRE_MASK_WORDS));
    CHECK(count_allowed(mask) == 0);
    CHECK_FAILS(campfire_constraint_accept(constraint, CAMPFIRE_TOKEN_END), CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED);
    CHECK_OK(campfire_constraint_free(constraint));
    CHECK_OK(campfire_grammar_free(grammar));
    free(mask);
}

static void a_refused_token_leaves_the_constraint_unchanged(void)
{
    campfire_grammar grammar = NULL;
    campfire_constraint constraint = NULL;
    uint64_t *before = malloc(CAMPFIRE_MASK_WORDS * sizeof *before);
    uint64_t *after = malloc(CAMPFIRE_MASK_WORDS * sizeof *after);
    int32_t hello = 13225; /* "Hello": text is not a header */
    CHECK_OK(campfire_grammar_create(conversation, sizeof conversation - 1, &grammar));
    CHECK_OK(campfire_constraint_create(grammar, NULL, 0, &constraint));
    CHECK_OK(campfire_constraint_fill_mask(constraint, before, CAMPFIRE_MASK_WORDS));
    CHECK(!allowed(before, hello));
    CHECK(allowed(before, CAMPFIRE_TOKEN_CHANNEL));
    CHECK_FAILS(campfire_constraint_accept(constraint, hello), CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED);
    CHECK(strstr(check_last_error(), "13225") != NULL);
    CHECK_FAILS(campfire_constraint_accept(constraint, -1), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK_FAILS(campfire_constraint_accept(constraint, CAMPFIRE_VOCABULARY_SIZE), CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK_OK(campfire_constraint_fill_mask(constraint, after, CAMPFIRE_MASK_WORDS));
    CHECK(memcmp(before, after, CAMPFIRE_MASK_WORDS * sizeof *before) == 0);
    CHECK_OK(campfire_constraint_accept(constraint, CAMPFIRE_TOKEN_CHANNEL));
    CHECK_OK(campfire_constraint_free(constraint));
    CHECK_OK(campfire_grammar_free(grammar));
    free(before);
    free(after);
}

static void a_short_mask_buffer_is_refused_and_a_longer_one_has_its_tail_cleared(void)
{
    campfire_grammar grammar = NULL;
    campfire_constraint constraint = NULL;
    size_t padded = CAMPFIRE_MASK_WORDS + 6;
    uint64_t *mask = malloc(padded * sizeof *mask);
    memset(mask, 0xAB, padded * sizeof *mask);
    CHECK_OK(campfire_grammar_create(conversation, sizeof conversation - 1, &grammar));
    CHECK_OK(campfire_constraint_create(grammar, NULL, 0, &constraint));
    CHECK_FAILS(campfire_constraint_fill_mask(constraint, mask, CAMPFIRE_MASK_WORDS - 1), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(strstr(check_last_error(), "3142") != NULL);
    CHECK(mask[0] == 0xABABABABABABABABull); /* nothing written */
    CHECK_FAILS(campfire_constraint_fill_mask(constraint, NULL, 0), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK_FAILS(campfire_constraint_fill_mask(constraint, NULL, 8), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_OK(campfire_constraint_fill_mask(constraint, mask, padded));
    for (size_t w = CAMPFIRE_MASK_WORDS; w < padded; w++) {
        CHECK(mask[w] == 0);
    }
    CHECK(mask[CAMPFIRE_MASK_WORDS - 1] >> (CAMPFIRE_VOCABULARY_SIZE % 64) == 0);
    CHECK_OK(campfire_constraint_free(constraint));
    CHECK_OK(campfire_grammar_free(grammar));
    free(mask);
}

static void a_forced_header_positions_the_constraint_and_a_bad_one_is_refused(void)
{
    campfire_grammar grammar = NULL;
    campfire_constraint constraint = NULL;
    uint64_t *mask = malloc(CAMPFIRE_MASK_WORDS * sizeof *mask);
    int32_t forced[32];
    int32_t hello = 13225;
    size_t count = encode(" to=functions.get_weather", forced, 32);
    CHECK_OK(campfire_grammar_create(conversation, sizeof conversation - 1, &grammar));
    CHECK_OK(campfire_constraint_create(grammar, forced, count, &constraint));
    CHECK_OK(campfire_constraint_fill_mask(constraint, mask, CAMPFIRE_MASK_WORDS));
    CHECK(allowed(mask, CAMPFIRE_TOKEN_CHANNEL));
    CHECK(!allowed(mask, CAMPFIRE_TOKEN_RETURN));
    CHECK_OK(campfire_constraint_free(constraint));
    constraint = NULL;
    CHECK_FAILS(campfire_constraint_create(grammar, &hello, 1, &constraint), CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED);
    CHECK(constraint == NULL);
    CHECK_OK(campfire_grammar_free(grammar));
    free(mask);
}

static void bad_conversations_and_handles_are_errors(void)
{
    campfire_grammar grammar = NULL;
    campfire_constraint constraint = NULL;
    uint64_t word = 0;
    int32_t complete = 0;
    static const char broken[] = "{\"messages\": [";
    static const char bad_schema[] =
        "{\"messages\":[{\"role\":\"developer\",\"content\":[{\"type\":\"developer_content\",\"tools\":{\"functions\":"
        "{\"name\":\"functions\",\"tools\":[{\"name\":\"f\",\"description\":\"d\",\"parameters\":{\"type\":\"no-such-type\"}}]}}}]}]}";
    CHECK_FAILS(campfire_grammar_create(broken, sizeof broken - 1, &grammar), CAMPFIRE_ERROR_MALFORMED_JSON);
    CHECK_FAILS(campfire_grammar_create("\xff", 1, &grammar), CAMPFIRE_ERROR_INVALID_UTF8);
    CHECK_FAILS(campfire_grammar_create(bad_schema, sizeof bad_schema - 1, &grammar), CAMPFIRE_ERROR_INVALID_CONVERSATION);
    CHECK_FAILS(campfire_grammar_create(conversation, sizeof conversation - 1, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_constraint_create(NULL, NULL, 0, &constraint), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_constraint_fill_mask(NULL, &word, 1), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_constraint_accept((campfire_constraint)(uintptr_t)0x1234, 1), CAMPFIRE_ERROR_INVALID_HANDLE);

    CHECK_OK(campfire_grammar_create(conversation, sizeof conversation - 1, &grammar));
    /* a grammar handle is not a constraint handle */
    CHECK_FAILS(campfire_constraint_is_complete((campfire_constraint)(void *)grammar, &complete), CAMPFIRE_ERROR_INVALID_HANDLE);
    CHECK_OK(campfire_constraint_create(grammar, NULL, 0, &constraint));
    CHECK_FAILS(campfire_constraint_is_complete(constraint, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    /* constraints outlive their grammar's handle */
    CHECK_OK(campfire_grammar_free(grammar));
    CHECK_FAILS(campfire_grammar_free(grammar), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_FAILS(campfire_constraint_create(grammar, NULL, 0, &constraint), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_OK(campfire_constraint_accept(constraint, CAMPFIRE_TOKEN_CHANNEL));
    CHECK_OK(campfire_constraint_free(constraint));
    CHECK_FAILS(campfire_constraint_free(constraint), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_FAILS(campfire_constraint_prepare(constraint), CAMPFIRE_ERROR_FREED_HANDLE);
    CHECK_FAILS(campfire_constraint_prepare(NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_constraint_prepare((campfire_constraint)(uintptr_t)0x1234), CAMPFIRE_ERROR_INVALID_HANDLE);
    CHECK(strcmp(campfire_status_name(CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED), "CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED") == 0);
}

void test_constraint(void)
{
    a_valid_call_is_allowed_token_by_token_and_completes();
    a_refused_token_leaves_the_constraint_unchanged();
    a_short_mask_buffer_is_refused_and_a_longer_one_has_its_tail_cleared();
    a_forced_header_positions_the_constraint_and_a_bad_one_is_refused();
    bad_conversations_and_handles_are_errors();
}
