/* campfire_parse_completion: the reference's JSON, the 400 generated conformance cases, and every error code. */
#include <stdlib.h>

#include "check.h"

static const char completion_text[] =
    "<|channel|>analysis<|message|>Think.<|end|>"
    "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
    "{\"city\": \"Oslo\"}<|call|>";

static size_t encode(const char *text, int32_t *ids, size_t capacity)
{
    size_t count = 0;
    CHECK_OK(campfire_encode(text, strlen(text), CAMPFIRE_ENCODE_ALLOW_SPECIAL, ids, capacity, &count));
    return count;
}

static int count_occurrences(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

static void a_completion_becomes_the_references_json(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256), length = 0;
    char json[2048];
    CHECK_OK(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, json, sizeof json - 1,
                                       &length));
    json[length] = '\0';
    CHECK(strncmp(json, "{\"messages\":[", 13) == 0);
    CHECK(count_occurrences(json, "\"role\":\"assistant\"") == 2);
    CHECK(strstr(json, "\"channel\":\"analysis\"") != NULL);
    CHECK(strstr(json, "\"recipient\":\"functions.get_weather\"") != NULL);
    CHECK(strstr(json, "\"content_type\":\"<|constrain|>json\"") != NULL);
    CHECK(strstr(json, "{\\\"city\\\": \\\"Oslo\\\"}") != NULL);
    CHECK(strstr(json, "diagnostics") == NULL);

    /* lenient mode adds the diagnostics list */
    CHECK_OK(campfire_parse_completion(ids, count - 1, CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_LENIENT, json,
                                       sizeof json - 1, &length));
    json[length] = '\0';
    CHECK(strstr(json, "\"diagnostics\":[{\"token_index\":") != NULL);
    CHECK(strstr(json, "TruncatedMessage") != NULL);
}

static void the_json_size_is_reported_when_it_does_not_fit(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256), needed = 0, length = 0;
    char small[16] = "untouched";
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, NULL, 0, &needed),
                CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(needed > 100);
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, small, sizeof small,
                                          &length),
                CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == needed && strcmp(small, "untouched") == 0);
}

static void bad_inputs_get_their_own_status(void)
{
    int32_t ids[256];
    size_t count = encode(completion_text, ids, 256), length = 0;
    char json[2048];
    CHECK_FAILS(campfire_parse_completion(NULL, 3, CAMPFIRE_ROLE_ASSISTANT, 0, json, sizeof json, &length),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, 0, NULL, 8, &length),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, 0, json, sizeof json, NULL),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_parse_completion(ids, count, 9, 0, json, sizeof json, &length), CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, 7, json, sizeof json, &length),
                CAMPFIRE_ERROR_INVALID_ARGUMENT);
    /* without the prefill the completion does not start with <|start|> */
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, json, sizeof json, &length),
                CAMPFIRE_ERROR_PARSE);
    CHECK(strstr(check_last_error(), "token 0") != NULL);
    ids[5] = 300000;
    CHECK_FAILS(campfire_parse_completion(ids, count, CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_NON_STRICT, json, sizeof json,
                                          &length),
                CAMPFIRE_ERROR_UNKNOWN_TOKEN);
    CHECK(strstr(check_last_error(), "token 5") != NULL);
    CHECK_OK(campfire_parse_completion(NULL, 0, CAMPFIRE_ROLE_NONE, CAMPFIRE_PARSE_STRICT, json, sizeof json, &length));
}

/* Number of elements of the JSON array starting at `array` ('['), or -1. */
static int array_length(const char *array)
{
    int n = 0;
    const char *p = array + 1;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ']') return n;
        if (*p != '{') return -1;
        p = json_value_end(p);
        if (p == NULL) return -1;
        n++;
    }
}

static void every_generated_conformance_case_agrees_with_the_reference(void)
{
    size_t size = 0;
    char *data = read_file(CAMPFIRE_CONFORMANCE_DIR "/parse.jsonl", &size);
    CHECK(data != NULL);
    if (data == NULL) return;
    enum { CAP = 65536 };
    int32_t *ids = malloc(CAP * sizeof *ids);
    char *json = malloc(1 << 20);
    int cases = 0, mismatches = 0;
    for (char *line = data; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        const char *tokens = strstr(line, "\"tokens\": [");
        if (tokens != NULL) {
            size_t count = 0;
            for (const char *p = tokens + 11; *p != ']';) {
                char *end = NULL;
                long value = strtol(p, &end, 10);
                if (end == p) { p++; continue; }
                if (count < CAP) ids[count++] = (int32_t)value;
                p = end;
            }
            static const char *keys[] = {"\"strict\": ", "\"non_strict\": "};
            for (int k = 0; k < 2; k++) {
                const char *expected = strstr(tokens, keys[k]);
                if (expected == NULL) { mismatches++; continue; }
                expected += strlen(keys[k]);
                int expected_messages = *expected == '[' ? array_length(expected) : -1;
                size_t length = 0;
                campfire_status status = campfire_parse_completion(
                    ids, count, CAMPFIRE_ROLE_ASSISTANT, k == 0 ? CAMPFIRE_PARSE_STRICT : CAMPFIRE_PARSE_NON_STRICT, json,
                    (1 << 20) - 1, &length);
                int actual_messages = -1;
                if (status == CAMPFIRE_OK) {
                    json[length] = '\0';
                    actual_messages = array_length(json + strlen("{\"messages\":"));
                }
                int ok = expected_messages < 0 ? status == CAMPFIRE_ERROR_PARSE
                                               : status == CAMPFIRE_OK && actual_messages == expected_messages;
                if (!ok && mismatches++ < 5) {
                    fprintf(stderr, "parse.jsonl line %d (%s): %s, %d messages, expected %d (%s)\n", cases + 1, keys[k],
                            campfire_status_name(status), actual_messages, expected_messages, check_last_error());
                }
            }
            cases++;
        }
        line = next;
    }
    CHECK(cases == 400);
    CHECK(mismatches == 0);
    free(json);
    free(ids);
    free(data);
}

void test_batch(void)
{
    a_completion_becomes_the_references_json();
    the_json_size_is_reported_when_it_does_not_fit();
    bad_inputs_get_their_own_status();
    every_generated_conformance_case_agrees_with_the_reference();
}
