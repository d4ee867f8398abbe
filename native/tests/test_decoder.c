#include "check.h"
void test_decoder(void) {}
