/* Minimal assertion helpers for the C tests: every failed check prints where and why, the group fails at the end. */
#ifndef CAMPFIRE_CHECK_H
#define CAMPFIRE_CHECK_H

#include <stdio.h>
#include <string.h>

#include "campfire.h"

extern int check_failures;

/* Prints the status names and this thread's last error message for a failed status check. */
void check_report_status(const char *file, int line, const char *expr, campfire_status actual, campfire_status expected);

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
            check_failures++;                                                            \
        }                                                                                \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                     \
    do {                                                                                 \
        campfire_status check_actual_ = (expr);                                          \
        if (check_actual_ != (expected)) {                                               \
            check_report_status(__FILE__, __LINE__, #expr, check_actual_, (expected));   \
        }                                                                                \
    } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, CAMPFIRE_OK)

/* An expected failure must also be the thread's last error, with a non-empty message. */
#define CHECK_FAILS(expr, expected)                                                      \
    do {                                                                                 \
        campfire_clear_last_error();                                                     \
        CHECK_STATUS(expr, expected);                                                    \
        CHECK(campfire_last_error_code() == (expected));                                 \
        CHECK(check_last_error_length() > 0);                                            \
    } while (0)

/* Length of the last error message on this thread (0 if none or unreadable). */
size_t check_last_error_length(void);

/* Copies the last error message into a static buffer (for CHECK(strstr(...))). */
const char *check_last_error(void);

/* Reads a whole file (NUL-terminated, for convenience); NULL if it cannot be read. Free with free(). */
char *read_file(const char *path, size_t *length);

/* End of the JSON value (object, array or string) that starts at `start`, or NULL if it is unterminated. */
const char *json_value_end(const char *start);

typedef void (*test_group_fn)(void);

void test_library(void);
void test_tokenizer(void);
void test_decoder(void);
void test_render(void);
void test_parser(void);
void test_batch(void);
void test_fuzz(void);
void test_constraint(void);

#endif
