#include "check.h"
void test_parser(void) {}
