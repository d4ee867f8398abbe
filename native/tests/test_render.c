#include "check.h"
void test_render(void) {}
