/*
 * A small C host for libcampfire: renders a conversation for completion, then feeds a model's completion to the
 * incremental parser token by token (as a decode loop would) and prints each message as it is completed.
 *
 *   chat_host            use the built-in conversation and completion
 *   chat_host FILE.json  render the conversation in FILE (the reference's JSON shape) instead
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campfire.h"

static const char conversation_json[] =
    "{\"messages\": ["
    "{\"role\": \"system\", \"content\": [{\"type\": \"system_content\","
    " \"model_identity\": \"You are ChatGPT, a large language model trained by OpenAI.\","
    " \"reasoning_effort\": \"Low\", \"knowledge_cutoff\": \"2024-06\", \"conversation_start_date\": \"2026-01-15\","
    " \"channel_config\": {\"valid_channels\": [\"analysis\", \"commentary\", \"final\"], \"channel_required\": true}}]},"
    "{\"role\": \"developer\", \"content\": [{\"type\": \"developer_content\", \"instructions\": \"Answer briefly.\","
    " \"tools\": {\"functions\": {\"name\": \"functions\", \"tools\": [{\"name\": \"get_weather\","
    " \"description\": \"Current weather for a city.\", \"parameters\": {\"type\": \"object\","
    " \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}]}}}]},"
    "{\"role\": \"user\", \"content\": \"Weather in Oslo?\"}"
    "]}";

/* What the model might generate after the "<|start|>assistant" prefill. */
static const char completion_text[] =
    "<|channel|>analysis<|message|>The user wants the weather in Oslo; call the tool.<|end|>"
    "<|start|>assistant to=functions.get_weather<|channel|>commentary <|constrain|>json<|message|>"
    "{\"city\": \"Oslo\"}<|call|>";

static int fail(const char *what, campfire_status status)
{
    char message[512];
    size_t length = 0;
    if (campfire_last_error_message(message, sizeof message, &length) != CAMPFIRE_OK) {
        strcpy(message, "(message too long)");
    }
    fprintf(stderr, "%s failed: %s: %s\n", what, campfire_status_name(status), message);
    return 1;
}

static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    long size;
    if (file == NULL || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0) {
        if (file) fclose(file);
        return NULL;
    }
    data = malloc((size_t)size + 1);
    if (data != NULL && fread(data, 1, (size_t)size, file) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(file);
    *length = (size_t)size;
    return data;
}

static void print_ref(const char *label, const char *text, campfire_text_ref ref)
{
    if (ref.length >= 0) {
        printf(" %s=%.*s", label, ref.length, text + ref.offset);
    }
}

static const char *role_name(int32_t role)
{
    static const char *names[] = {"user", "assistant", "system", "developer", "tool"};
    return role >= 0 && role <= 4 ? names[role] : "?";
}

/* Prints one event: headers as they complete, content as it streams. */
static void print_event(const campfire_event *event, const char *text)
{
    switch (event->kind) {
    case CAMPFIRE_EVENT_HEADER_COMPLETE:
        printf("[message from %s", role_name(event->role));
        print_ref("name", text, event->name);
        print_ref("channel", text, event->channel);
        print_ref("to", text, event->recipient);
        print_ref("type", text, event->content_type);
        printf("]\n  ");
        break;
    case CAMPFIRE_EVENT_CONTENT_DELTA:
        printf("%.*s", event->text.length, text + event->text.offset);
        break;
    case CAMPFIRE_EVENT_MESSAGE_END:
        printf("\n[end of message, token %d]\n", event->end_token);
        break;
    case CAMPFIRE_EVENT_DIAGNOSTIC:
        printf("[recovered: %.*s]\n", event->text.length, text + event->text.offset);
        break;
    default: /* MESSAGE_START: the header event that follows says more */
        break;
    }
}

/* Reads and prints the events still queued (a token can produce several). */
static int print_pending(campfire_parser parser, size_t pending)
{
    campfire_event event;
    char text[4096];
    size_t length = 0;
    for (; pending > 0; pending--) {
        campfire_status status = campfire_parser_next_event(parser, &event, text, sizeof text, &length);
        if (status != CAMPFIRE_OK) {
            return fail("campfire_parser_next_event", status);
        }
        print_event(&event, text);
    }
    return 0;
}

int main(int argc, char **argv)
{
    campfire_status status;
    const char *json = conversation_json;
    size_t json_length = sizeof conversation_json - 1;
    char *owned_json = NULL;
    int32_t *prompt = NULL, *completion = NULL;
    size_t prompt_length = 0, completion_length = 0, needed = 0;
    campfire_parser parser = NULL;
    int rc = 1;

    if (campfire_abi_version() != CAMPFIRE_ABI_VERSION) {
        fprintf(stderr, "libcampfire ABI %u, this host needs %d\n", campfire_abi_version(), CAMPFIRE_ABI_VERSION);
        return 1;
    }
    printf("libcampfire %s (ABI %u)\n", campfire_version(), campfire_abi_version());
    if (argc > 1 && (json = owned_json = read_file(argv[1], &json_length)) == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }

    /* 1. Render: ask for the size, then render into a buffer of that size. */
    status = campfire_render_conversation_for_completion(json, json_length, CAMPFIRE_ROLE_ASSISTANT, 0, NULL, 0, &needed);
    if (status != CAMPFIRE_ERROR_BUFFER_TOO_SMALL) {
        rc = fail("campfire_render_conversation_for_completion", status);
        goto done;
    }
    prompt = malloc(needed * sizeof *prompt);
    if ((status = campfire_render_conversation_for_completion(json, json_length, CAMPFIRE_ROLE_ASSISTANT, 0, prompt,
                                                              needed, &prompt_length)) != CAMPFIRE_OK) {
        rc = fail("campfire_render_conversation_for_completion", status);
        goto done;
    }
    printf("prompt: %zu tokens, ends with <|start|>assistant: %s\n", prompt_length,
           prompt_length >= 2 && prompt[prompt_length - 2] == CAMPFIRE_TOKEN_START ? "yes" : "no");

    int32_t stops[8];
    size_t stop_count = 0;
    if ((status = campfire_stop_tokens(CAMPFIRE_STOP_ASSISTANT_ACTIONS, stops, 8, &stop_count)) != CAMPFIRE_OK) {
        rc = fail("campfire_stop_tokens", status);
        goto done;
    }
    printf("stop tokens:");
    for (size_t i = 0; i < stop_count; i++) printf(" %d", stops[i]);
    printf("\n");

    /* 2. The model's completion (here: encoded text standing in for sampled tokens). */
    completion = malloc(256 * sizeof *completion);
    if ((status = campfire_encode(completion_text, sizeof completion_text - 1, CAMPFIRE_ENCODE_ALLOW_SPECIAL, completion,
                                  256, &completion_length)) != CAMPFIRE_OK) {
        rc = fail("campfire_encode", status);
        goto done;
    }

    /* 3. Parse it token by token, as a decode loop would, printing events as they come. campfire_parser_feed_next
     *    feeds a token and returns its first event in one call; further events of the same token stay queued. */
    if ((status = campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_NON_STRICT, &parser)) != CAMPFIRE_OK) {
        rc = fail("campfire_parser_create", status);
        goto done;
    }
    for (size_t i = 0; i < completion_length; i++) {
        campfire_event event;
        char text[4096];
        size_t length = 0, pending = 0;
        if ((status = campfire_parser_feed_next(parser, completion[i], &event, text, sizeof text, &length, &pending)) !=
            CAMPFIRE_OK) {
            rc = fail("campfire_parser_feed_next", status);
            goto done;
        }
        print_event(&event, text);
        if (print_pending(parser, pending) != 0) {
            goto done;
        }
    }
    size_t pending = 0;
    if ((status = campfire_parser_finish(parser, &pending)) != CAMPFIRE_OK) {
        rc = fail("campfire_parser_finish", status);
        goto done;
    }
    if (print_pending(parser, pending) != 0) {
        goto done;
    }

    /* 4. The same completion through the batch parser, as the reference's JSON. */
    char messages[2048];
    size_t messages_length = 0;
    if ((status = campfire_parse_completion(completion, completion_length, CAMPFIRE_ROLE_ASSISTANT,
                                            CAMPFIRE_PARSE_NON_STRICT, messages, sizeof messages, &messages_length)) !=
        CAMPFIRE_OK) {
        rc = fail("campfire_parse_completion", status);
        goto done;
    }
    printf("messages: %.*s\n", (int)messages_length, messages);
    rc = 0;

done:
    if (parser != NULL) campfire_parser_free(parser);
    free(completion);
    free(prompt);
    free(owned_json);
    return rc;
}
