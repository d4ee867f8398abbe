/* campfire_tests GROUP...: runs the named test groups ("all" for every group); exit status 0 when every check held. */
#include <stdlib.h>

#include "check.h"

int check_failures;

void check_report_status(const char *file, int line, const char *expr, campfire_status actual, campfire_status expected)
{
    fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: %s)\n", file, line, expr,
            campfire_status_name(actual), campfire_status_name(expected), check_last_error());
    check_failures++;
}

size_t check_last_error_length(void)
{
    size_t length = 0;
    if (campfire_last_error_message(NULL, 0, &length) != CAMPFIRE_ERROR_BUFFER_TOO_SMALL) {
        return 0;
    }
    return length;
}

const char *check_last_error(void)
{
    static char message[1024];
    size_t length = 0;
    if (campfire_last_error_message(message, sizeof message, &length) != CAMPFIRE_OK) {
        return "(unreadable)";
    }
    return message;
}

char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    char *data = NULL;
    long size;
    if (file == NULL) {
        return NULL;
    }
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0) {
        data = malloc((size_t)size + 1);
        if (data != NULL && fread(data, 1, (size_t)size, file) == (size_t)size) {
            data[size] = '\0';
            *length = (size_t)size;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(file);
    return data;
}

const char *json_value_end(const char *start)
{
    int depth = 0, in_string = 0;
    for (const char *p = start; *p != '\0'; p++) {
        if (in_string) {
            if (*p == '\\' && p[1] != '\0') {
                p++;
            } else if (*p == '"') {
                in_string = 0;
                if (depth == 0) {
                    return p + 1;
                }
            }
        } else if (*p == '"') {
            in_string = 1;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0) {
                return p + 1;
            }
        }
    }
    return NULL;
}

static const struct {
    const char *name;
    test_group_fn run;
} groups[] = {
    {"library", test_library},
    {"tokenizer", test_tokenizer},
    {"decoder", test_decoder},
    {"render", test_render},
    {"parser", test_parser},
    {"batch", test_batch},
    {"fuzz", test_fuzz},
    {"constraint", test_constraint},
};

int main(int argc, char **argv)
{
    size_t count = sizeof groups / sizeof groups[0];
    if (argc < 2) {
        fprintf(stderr, "usage: %s all|GROUP...\n", argv[0]);
        return 2;
    }
    if (campfire_abi_version() != CAMPFIRE_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch: library %u, header %d\n", campfire_abi_version(), CAMPFIRE_ABI_VERSION);
        return 1;
    }
    for (int a = 1; a < argc; a++) {
        int found = 0;
        for (size_t g = 0; g < count; g++) {
            if (strcmp(argv[a], "all") == 0 || strcmp(argv[a], groups[g].name) == 0) {
                int before = check_failures;
                groups[g].run();
                printf("%-10s %s\n", groups[g].name, check_failures == before ? "ok" : "FAILED");
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "unknown test group %s\n", argv[a]);
            return 2;
        }
    }
    if (check_failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", check_failures);
        return 1;
    }
    return 0;
}
