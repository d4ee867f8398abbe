// campfire.h from C++: the extern "C" guards give C linkage, so these calls link against libcampfire.so.
#include <cstdio>
#include <cstring>

#include "campfire.h"

int main()
{
    if (campfire_abi_version() != CAMPFIRE_ABI_VERSION || std::strcmp(campfire_version(), CAMPFIRE_VERSION) != 0) {
        std::puts("version mismatch");
        return 1;
    }
    int32_t ids[8];
    size_t count = 0;
    if (campfire_encode("Hello world", 11, 0, ids, 8, &count) != CAMPFIRE_OK || count != 2) {
        std::puts("encode failed");
        return 1;
    }
    campfire_parser parser = nullptr;
    if (campfire_parser_create(CAMPFIRE_ROLE_ASSISTANT, CAMPFIRE_PARSE_STRICT, &parser) != CAMPFIRE_OK ||
        campfire_parser_free(parser) != CAMPFIRE_OK) {
        std::puts("parser failed");
        return 1;
    }
    std::puts("C++ host ok");
    return 0;
}
