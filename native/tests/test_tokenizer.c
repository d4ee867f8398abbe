#include "check.h"
void test_tokenizer(void) {}
