/* campfire_render_conversation[_for_completion], campfire_stop_tokens: the reference's answers and every error. */
#include <stdlib.h>

#include "check.h"

#define TEXT(s) (s), (sizeof(s) - 1)

static const char analysis_then_final[] =
    "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"},"
    " {\"role\": \"assistant\", \"channel\": \"analysis\", \"content\": \"Say hello.\"},"
    " {\"role\": \"assistant\", \"channel\": \"final\", \"content\": \"Hello!\"},"
    " {\"role\": \"user\", \"content\": \"Thanks\"}]}";

static char *decode_all(const int32_t *ids, size_t count, size_t *length)
{
    size_t needed = 0;
    campfire_decode(ids, count, NULL, 0, &needed);
    char *text = malloc(needed + 1);
    CHECK_OK(campfire_decode(ids, count, text, needed, length));
    text[*length] = '\0';
    return text;
}

static void the_weather_example_renders_as_the_reference_does(void)
{
    size_t json_length = 0, expected_length = 0, count = 0, text_length = 0;
    char *json = read_file(CAMPFIRE_TEST_DATA "/weather_conversation.json", &json_length);
    char *expected = read_file(CAMPFIRE_TEST_DATA "/weather_conversation.rendered.txt", &expected_length);
    CHECK(json != NULL && expected != NULL);
    if (json == NULL || expected == NULL) {
        free(json);
        free(expected);
        return;
    }
    int32_t *ids = malloc(4096 * sizeof *ids);
    CHECK_OK(campfire_render_conversation(json, json_length, 0, ids, 4096, &count));
    CHECK(count == 183);
    char *text = decode_all(ids, count, &text_length);
    CHECK(text_length == expected_length && memcmp(text, expected, text_length) == 0);

    /* for completion: the same tokens, then <|start|>assistant */
    size_t completion_count = 0;
    int32_t *completion = malloc(4096 * sizeof *completion);
    CHECK_OK(campfire_render_conversation_for_completion(json, json_length, CAMPFIRE_ROLE_ASSISTANT, 0, completion, 4096,
                                                         &completion_count));
    CHECK(completion_count == count + 2);
    CHECK(memcmp(completion, ids, count * sizeof *ids) == 0);
    CHECK(completion[count] == CAMPFIRE_TOKEN_START);
    char role[16];
    size_t role_length = 0;
    CHECK_OK(campfire_decode(&completion[count + 1], 1, role, sizeof role, &role_length));
    CHECK(role_length == 9 && memcmp(role, "assistant", 9) == 0);

    free(completion);
    free(text);
    free(ids);
    free(json);
    free(expected);
}

static void analysis_is_dropped_unless_asked_to_keep_it(void)
{
    int32_t dropped[256], kept[256];
    size_t dropped_count = 0, kept_count = 0, length = 0;
    CHECK_OK(campfire_render_conversation_for_completion(TEXT(analysis_then_final), CAMPFIRE_ROLE_ASSISTANT, 0, dropped,
                                                         256, &dropped_count));
    CHECK_OK(campfire_render_conversation_for_completion(TEXT(analysis_then_final), CAMPFIRE_ROLE_ASSISTANT,
                                                         CAMPFIRE_RENDER_KEEP_ANALYSIS, kept, 256, &kept_count));
    CHECK(kept_count > dropped_count);
    char *text = decode_all(dropped, dropped_count, &length);
    CHECK(strstr(text, "Say hello.") == NULL);
    free(text);
    text = decode_all(kept, kept_count, &length);
    CHECK(strstr(text, "<|channel|>analysis<|message|>Say hello.<|end|>") != NULL);
    free(text);
}

static void other_roles_can_be_prefilled(void)
{
    static const char *names[] = {"user", "assistant", "system", "developer", "tool"};
    for (int32_t role = CAMPFIRE_ROLE_USER; role <= CAMPFIRE_ROLE_TOOL; role++) {
        int32_t ids[256];
        size_t count = 0, length = 0;
        CHECK_OK(campfire_render_conversation_for_completion(TEXT(analysis_then_final), role, 0, ids, 256, &count));
        char *text = decode_all(ids, count, &length);
        size_t name_length = strlen(names[role]);
        CHECK(length > name_length + 9 && memcmp(text + length - name_length - 9, "<|start|>", 9) == 0);
        CHECK(memcmp(text + length - name_length, names[role], name_length) == 0);
        free(text);
    }
}

static void render_reports_the_size_it_needs_and_writes_nothing(void)
{
    int32_t ids[4] = {-9, -9, -9, -9};
    size_t needed = 0, count = 0;
    CHECK_FAILS(campfire_render_conversation(TEXT(analysis_then_final), 0, NULL, 0, &needed),
                CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(needed > 4);
    CHECK_FAILS(campfire_render_conversation(TEXT(analysis_then_final), 0, ids, 4, &count),
                CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(count == needed && ids[0] == -9 && ids[3] == -9);
    CHECK_FAILS(campfire_render_conversation_for_completion(TEXT(analysis_then_final), CAMPFIRE_ROLE_ASSISTANT, 0, ids,
                                                            4, &count),
                CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(count == needed + 2);
}

static void bad_inputs_get_their_own_status(void)
{
    int32_t ids[64];
    size_t count = 0;
    /* pointers */
    CHECK_FAILS(campfire_render_conversation(NULL, 5, 0, ids, 64, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_render_conversation(TEXT(analysis_then_final), 0, NULL, 64, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_render_conversation(TEXT(analysis_then_final), 0, ids, 64, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_render_conversation_for_completion(NULL, 5, CAMPFIRE_ROLE_ASSISTANT, 0, ids, 64, &count),
                CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_render_conversation_for_completion(TEXT(analysis_then_final), CAMPFIRE_ROLE_ASSISTANT, 0, ids,
                                                            64, NULL),
                CAMPFIRE_ERROR_NULL_POINTER);
    /* arguments */
    CHECK_FAILS(campfire_render_conversation(TEXT(analysis_then_final), 4, ids, 64, &count),
                CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_render_conversation_for_completion(TEXT(analysis_then_final), 5, 0, ids, 64, &count),
                CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_FAILS(campfire_render_conversation_for_completion(TEXT(analysis_then_final), CAMPFIRE_ROLE_NONE, 0, ids, 64,
                                                            &count),
                CAMPFIRE_ERROR_INVALID_ARGUMENT);
    /* text and JSON */
    CHECK_FAILS(campfire_render_conversation(TEXT("{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\"}]}"), 0,
                                             ids, 64, &count),
                CAMPFIRE_ERROR_INVALID_UTF8);
    CHECK_FAILS(campfire_render_conversation(TEXT("{\"messages\": [}"), 0, ids, 64, &count), CAMPFIRE_ERROR_MALFORMED_JSON);
    CHECK_FAILS(campfire_render_conversation(TEXT(""), 0, ids, 64, &count), CAMPFIRE_ERROR_MALFORMED_JSON);
    CHECK_FAILS(campfire_render_conversation(TEXT("{\"messages\": [{\"role\": \"assitant\", \"content\": \"x\"}]}"), 0,
                                             ids, 64, &count),
                CAMPFIRE_ERROR_MALFORMED_JSON);
    CHECK(strstr(check_last_error(), "$.messages[0].role") != NULL);
    CHECK_FAILS(campfire_render_conversation(TEXT("{\"chat\": []}"), 0, ids, 64, &count), CAMPFIRE_ERROR_MALFORMED_JSON);
    /* well-formed, but the reference refuses to render it */
    CHECK_FAILS(campfire_render_conversation(
                    TEXT("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"developer_content\","
                         " \"instructions\": \"x\"}]}]}"),
                    0, ids, 64, &count),
                CAMPFIRE_ERROR_INVALID_CONVERSATION);
    CHECK(strstr(check_last_error(), "developer content") != NULL);
    CHECK_FAILS(campfire_render_conversation_for_completion(
                    TEXT("{\"messages\": [{\"role\": \"assistant\", \"content\": [{\"type\": \"system_content\"}]}]}"),
                    CAMPFIRE_ROLE_ASSISTANT, 0, ids, 64, &count),
                CAMPFIRE_ERROR_INVALID_CONVERSATION);
}

static void stop_tokens_are_the_references(void)
{
    int32_t ids[8];
    size_t count = 0;
    CHECK_OK(campfire_stop_tokens(CAMPFIRE_STOP_ALL, ids, 8, &count));
    CHECK(count == 3 && ids[0] == CAMPFIRE_TOKEN_RETURN && ids[1] == CAMPFIRE_TOKEN_END && ids[2] == CAMPFIRE_TOKEN_CALL);
    CHECK_OK(campfire_stop_tokens(CAMPFIRE_STOP_ASSISTANT_ACTIONS, ids, 8, &count));
    CHECK(count == 2 && ids[0] == CAMPFIRE_TOKEN_RETURN && ids[1] == CAMPFIRE_TOKEN_CALL);
    CHECK_FAILS(campfire_stop_tokens(CAMPFIRE_STOP_ALL, ids, 2, &count), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(count == 3);
    CHECK_FAILS(campfire_stop_tokens(CAMPFIRE_STOP_ALL, NULL, 3, &count), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_FAILS(campfire_stop_tokens(2, ids, 8, &count), CAMPFIRE_ERROR_INVALID_ARGUMENT);
}

/* Reads "key": [ids] or "key": {"error": true} from a conformance line; returns the count, -1 for error, -2 if absent. */
static long expected_ids(const char *line, const char *key, int32_t *ids, size_t capacity)
{
    const char *at = strstr(line, key);
    if (at == NULL) {
        return -2;
    }
    at += strlen(key);
    while (*at == ' ' || *at == ':') at++;
    if (*at == '{') {
        return -1;
    }
    long n = 0;
    at++;
    while (*at != ']' && *at != '\0') {
        char *end = NULL;
        long value = strtol(at, &end, 10);
        if (end == at) {
            at++;
            continue;
        }
        if ((size_t)n < capacity) ids[n] = (int32_t)value;
        n++;
        at = end;
    }
    return n;
}

static void every_generated_conformance_case_matches_the_reference(void)
{
    size_t size = 0;
    char *data = read_file(CAMPFIRE_CONFORMANCE_DIR "/render.jsonl", &size);
    CHECK(data != NULL);
    if (data == NULL) return;
    enum { CAP = 65536 };
    int32_t *expected = malloc(CAP * sizeof *expected), *actual = malloc(CAP * sizeof *actual);
    int cases = 0, mismatches = 0;
    for (char *line = data; line != NULL && *line != '\0';) {
        char *next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        const char *conversation = strstr(line, "\"conversation\":");
        if (conversation != NULL) {
            conversation = strchr(conversation, '{');
            const char *end = json_value_end(conversation);
            static const char *keys[] = {"\"for_completion\":", "\"for_completion_no_drop\":"};
            for (int k = 0; k < 2 && end != NULL; k++) {
                long n = expected_ids(end, keys[k], expected, CAP);
                size_t count = 0;
                campfire_status status = campfire_render_conversation_for_completion(
                    conversation, (size_t)(end - conversation), CAMPFIRE_ROLE_ASSISTANT,
                    k == 0 ? 0 : CAMPFIRE_RENDER_KEEP_ANALYSIS, actual, CAP, &count);
                int ok = n == -1 ? status == CAMPFIRE_ERROR_INVALID_CONVERSATION
                                 : status == CAMPFIRE_OK && (long)count == n &&
                                       memcmp(actual, expected, count * sizeof *actual) == 0;
                if (!ok && mismatches++ < 5) {
                    fprintf(stderr, "render.jsonl line %d (%s): status %s, %zu tokens, expected %ld (%s)\n", cases + 1,
                            keys[k], campfire_status_name(status), count, n, check_last_error());
                }
            }
            cases++;
        }
        line = next;
    }
    CHECK(cases == 400);
    CHECK(mismatches == 0);
    free(expected);
    free(actual);
    free(data);
}

void test_render(void)
{
    the_weather_example_renders_as_the_reference_does();
    analysis_is_dropped_unless_asked_to_keep_it();
    other_roles_can_be_prefilled();
    render_reports_the_size_it_needs_and_writes_nothing();
    bad_inputs_get_their_own_status();
    stop_tokens_are_the_references();
    every_generated_conformance_case_matches_the_reference();
}
