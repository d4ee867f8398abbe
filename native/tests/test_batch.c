#include "check.h"
void test_batch(void) {}
