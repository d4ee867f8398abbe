/* Version, ABI version, status names and the thread-local last error. */
#include <pthread.h>

#include "check.h"

static void version_matches_header(void)
{
    CHECK(strcmp(campfire_version(), CAMPFIRE_VERSION) == 0);
    CHECK(campfire_abi_version() == CAMPFIRE_ABI_VERSION);
}

static void every_status_has_its_name(void)
{
    static const char *names[] = {
        "CAMPFIRE_OK", "CAMPFIRE_ERROR_NULL_POINTER", "CAMPFIRE_ERROR_INVALID_HANDLE", "CAMPFIRE_ERROR_FREED_HANDLE",
        "CAMPFIRE_ERROR_INVALID_UTF8", "CAMPFIRE_ERROR_UNKNOWN_TOKEN", "CAMPFIRE_ERROR_BUFFER_TOO_SMALL",
        "CAMPFIRE_ERROR_MALFORMED_JSON", "CAMPFIRE_ERROR_PARSE", "CAMPFIRE_ERROR_INVALID_ARGUMENT",
        "CAMPFIRE_ERROR_INVALID_CONVERSATION", "CAMPFIRE_ERROR_INVALID_STATE", "CAMPFIRE_ERROR_INTERNAL",
        "CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED",
    };
    for (int s = 0; s <= CAMPFIRE_ERROR_TOKEN_NOT_ALLOWED; s++) {
        CHECK(strcmp(campfire_status_name(s), names[s]) == 0);
    }
    CHECK(strcmp(campfire_status_name(-1), "CAMPFIRE_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(campfire_status_name(14), "CAMPFIRE_UNKNOWN_STATUS") == 0);
}

static void last_error_records_failures_and_survives_success(void)
{
    size_t count = 0;
    campfire_clear_last_error();
    CHECK(campfire_last_error_code() == CAMPFIRE_OK);
    CHECK(check_last_error_length() == 0);

    CHECK_STATUS(campfire_stop_tokens(CAMPFIRE_STOP_ALL, NULL, 0, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK(campfire_last_error_code() == CAMPFIRE_ERROR_NULL_POINTER);
    CHECK(strstr(check_last_error(), "out_count") != NULL);

    /* a successful call leaves the last error alone */
    int32_t stops[8];
    CHECK_OK(campfire_stop_tokens(CAMPFIRE_STOP_ALL, stops, 8, &count));
    CHECK(campfire_last_error_code() == CAMPFIRE_ERROR_NULL_POINTER);

    campfire_clear_last_error();
    CHECK(campfire_last_error_code() == CAMPFIRE_OK);
}

static void last_error_message_reports_size_and_keeps_the_error(void)
{
    char small[4];
    char big[256];
    size_t length = 0;
    CHECK_STATUS(campfire_stop_tokens(99, NULL, 0, &length), CAMPFIRE_ERROR_INVALID_ARGUMENT);

    size_t needed = 0;
    CHECK_STATUS(campfire_last_error_message(NULL, 0, &needed), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(needed > 4);
    CHECK_STATUS(campfire_last_error_message(small, sizeof small, &length), CAMPFIRE_ERROR_BUFFER_TOO_SMALL);
    CHECK(length == needed);
    /* its own failures are not recorded: the original error is still there */
    CHECK(campfire_last_error_code() == CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(campfire_last_error_message(NULL, 0, NULL), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK_STATUS(campfire_last_error_message(NULL, 5, &length), CAMPFIRE_ERROR_NULL_POINTER);
    CHECK(campfire_last_error_code() == CAMPFIRE_ERROR_INVALID_ARGUMENT);

    /* exactly length + 1 bytes suffice, and the message is NUL-terminated */
    CHECK_OK(campfire_last_error_message(big, needed + 1, &length));
    CHECK(length == needed);
    CHECK(strlen(big) == needed);
    CHECK(strstr(big, "99") != NULL);
}

static void *fail_on_other_thread(void *unused)
{
    (void)unused;
    size_t count = 0;
    campfire_clear_last_error();
    campfire_stop_tokens(1234, NULL, 0, &count);
    return (void *)(intptr_t)campfire_last_error_code();
}

static void last_error_is_per_thread(void)
{
    pthread_t thread;
    void *other = NULL;
    campfire_clear_last_error();
    CHECK(pthread_create(&thread, NULL, fail_on_other_thread, NULL) == 0);
    CHECK(pthread_join(thread, &other) == 0);
    CHECK((intptr_t)other == CAMPFIRE_ERROR_INVALID_ARGUMENT);
    CHECK(campfire_last_error_code() == CAMPFIRE_OK);
}

void test_library(void)
{
    version_matches_header();
    every_status_has_its_name();
    last_error_records_failures_and_survives_success();
    last_error_message_reports_size_and_keeps_the_error();
    last_error_is_per_thread();
}
