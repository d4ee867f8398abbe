/* Fuzzing through the ABI with a fixed seed: random and mutated inputs to every parser of input (text, JSON, tokens,
 * saved states). Whatever comes in, the answer is OK or one of the documented input errors, never
 * CAMPFIRE_ERROR_INTERNAL, and never a crash (valgrind runs this group too). */
#include <stdlib.h>

#include "check.h"

static uint32_t state = 20261125u;

static uint32_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static const char valid_completion[] =
    "<|channel|>analysis<|message|>Think about 東京.<|end|>"
    "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
    "{\"city\": \"Oslo\"}<|call|>"
    "<|start|>functions.get_weather to=assistant<|channel|>commentary<|message|>{\"temp\": 3}<|end|>"
    "<|start|>assistant<|channel|>final<|message|>Cold: 3 °C 🧊<|return|>";

static const char valid_conversation[] =
    "{\"messages\": [{\"role\": \"system\", \"content\": [{\"type\": \"system_content\", \"reasoning_effort\": \"Low\"}]},"
    " {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"channel\": \"final\", \"content\": \"Hello\"},"
    " {\"role\": \"tool\", \"name\": \"functions.f\", \"content\": \"{}\"}]}";

static const int32_t specials[] = {199998, 199999, 200000, 200002, 200003, 200005, 200006, 200007,
                                   200008, 200012, 200018, 201087, -1,     201088, 13225,  173781};

static void mutated_token_streams_only_fail_with_input_errors(void)
{
    int32_t base[256], tokens[300];
    size_t base_count = 0;
    CHECK_OK(campfire_encode(valid_completion, sizeof valid_completion - 1, CAMPFIRE_ENCODE_ALLOW_SPECIAL, base, 256,
                             &base_count));
    static char json[1 << 16];
    int unexpected = 0;
    for (int round = 0; round < 1000; round++) {
        size_t count = 0;
        for (size_t i = 0; i < base_count && count < 290; i++) {
            uint32_t r = next_random() % 100;
            if (r < 5) continue;                                                  /* delete */
            if (r < 10) tokens[count++] = specials[next_random() % 16];            /* insert a special */
            if (r < 12) tokens[count++] = (int32_t)(next_random() % 201088);       /* insert any id */
            tokens[count++] = base[i];
        }
        if (next_random() % 4 == 0) count = next_random() % (count + 1);          /* truncate */
        int32_t role = (int32_t)(next_random() % 6) - 1;
        int32_t mode = (int32_t)(next_random() % 3);

        campfire_parser parser = NULL;
        CHECK_OK(campfire_parser_create(role, mode, &parser));
        for (size_t i = 0; i < count; i++) {
            campfire_event e;
            char text[1024];
            size_t length = 0, pending = 0;
            campfire_status status = campfire_parser_feed_next(parser, tokens[i], &e, text, sizeof text, &length, &pending);
            if (status != CAMPFIRE_OK && status != CAMPFIRE_ERROR_PARSE && status != CAMPFIRE_ERROR_UNKNOWN_TOKEN) {
                unexpected++;
            }
            while (pending-- > 0) {
                if (campfire_parser_next_event(parser, &e, text, sizeof text, &length) != CAMPFIRE_OK) unexpected++;
            }
        }
        campfire_status finish = campfire_parser_finish(parser, NULL);
        if (finish != CAMPFIRE_OK && finish != CAMPFIRE_ERROR_PARSE && finish != CAMPFIRE_ERROR_UNKNOWN_TOKEN) {
            unexpected++;
        }
        CHECK_OK(campfire_parser_free(parser));

        size_t length = 0;
        campfire_status batch = campfire_parse_completion(tokens, count, role, mode, json, sizeof json, &length);
        if (batch != CAMPFIRE_OK && batch != CAMPFIRE_ERROR_PARSE && batch != CAMPFIRE_ERROR_UNKNOWN_TOKEN) {
            unexpected++;
        }
    }
    CHECK(unexpected == 0);
}

static void random_bytes_are_text_or_invalid_utf8(void)
{
    unsigned char bytes[64];
    int32_t ids[256];
    int unexpected = 0;
    for (int round = 0; round < 2000; round++) {
        size_t length = next_random() % sizeof bytes;
        for (size_t i = 0; i < length; i++) {
            /* mostly ASCII and UTF-8 lead/continuation bytes, so that valid text also occurs */
            uint32_t r = next_random();
            bytes[i] = (unsigned char)(r % 3 == 0 ? 0x80 + (r >> 8) % 0x40 : r % 3 == 1 ? 0x20 + (r >> 8) % 0x5F
                                                                                         : 0xC2 + (r >> 8) % 0x32);
        }
        size_t count = 0;
        campfire_status status = campfire_encode((const char *)bytes, length, (int32_t)(round & 1), ids, 256, &count);
        if (status != CAMPFIRE_OK && status != CAMPFIRE_ERROR_INVALID_UTF8) unexpected++;
        if (status == CAMPFIRE_OK) {
            char back[256];
            size_t back_length = 0;
            if (campfire_decode(ids, count, back, sizeof back, &back_length) != CAMPFIRE_OK || back_length != length ||
                memcmp(back, bytes, length) != 0) {
                unexpected++;
            }
        }
    }
    CHECK(unexpected == 0);
}

static void mutated_json_is_rendered_or_refused_with_a_json_status(void)
{
    char json[sizeof valid_conversation + 8];
    int32_t ids[4096];
    int unexpected = 0, rendered = 0;
    for (int round = 0; round < 600; round++) {
        size_t length = sizeof valid_conversation - 1;
        memcpy(json, valid_conversation, length);
        int edits = 1 + (int)(next_random() % 3);
        for (int k = 0; k < edits && length > 1; k++) {
            size_t at = next_random() % length;
            uint32_t r = next_random() % 4;
            if (r == 0) json[at] = "{}[]\":,x \\0\xff"[next_random() % 13];  /* replace */
            else if (r == 1) memmove(json + at, json + at + 1, length-- - at - 1); /* delete */
            else if (r == 2) length = at;                                          /* truncate */
            /* r == 3: leave this one alone, so some inputs stay valid */
        }
        size_t count = 0;
        campfire_status status = campfire_render_conversation_for_completion(json, length, CAMPFIRE_ROLE_ASSISTANT, 0, ids,
                                                                             4096, &count);
        rendered += status == CAMPFIRE_OK;
        if (status != CAMPFIRE_OK && status != CAMPFIRE_ERROR_MALFORMED_JSON && status != CAMPFIRE_ERROR_INVALID_UTF8 &&
            status != CAMPFIRE_ERROR_INVALID_CONVERSATION) {
            if (unexpected++ < 3) fprintf(stderr, "render fuzz: %s (%s)\n", campfire_status_name(status), check_last_error());
        }
    }
    CHECK(unexpected == 0);
    CHECK(rendered > 0);
}

static void mutated_states_restore_or_are_refused(void)
{
    int32_t tokens[256];
    size_t count = 0, size = 0;
    uint8_t saved[8192], bad[8192];
    CHECK_OK(campfire_encode(valid_completion, sizeof valid_completion - 1, CAMPFIRE_ENCODE_ALLOW_SPECIAL, tokens, 256,
                             &count));
    campfire_parser parser = NULL;
    CHECK_OK(campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_NON_STRICT, &parser));
    CHECK_OK(campfire_parser_feed_span(parser, tokens, count / 2, NULL, NULL));
    CHECK_OK(campfire_parser_save_state(parser, saved, sizeof saved, &size));
    int unexpected = 0;
    for (int round = 0; round < 1000; round++) {
        size_t length = size;
        memcpy(bad, saved, size);
        if (round % 3 == 0) {
            length = next_random() % size; /* strictly shorter */
        } else {
            bad[next_random() % size] ^= (uint8_t)(1 + next_random() % 255);
        }
        campfire_status status = campfire_parser_restore_state(parser, bad, length);
        if (status != CAMPFIRE_ERROR_INVALID_STATE) unexpected++;
    }
    CHECK(unexpected == 0);
    CHECK_OK(campfire_parser_restore_state(parser, saved, size));
    CHECK_OK(campfire_parser_free(parser));
}

void test_fuzz(void)
{
    mutated_token_streams_only_fail_with_input_errors();
    random_bytes_are_text_or_invalid_utf8();
    mutated_json_is_rendered_or_refused_with_a_json_status();
    mutated_states_restore_or_are_refused();
}
