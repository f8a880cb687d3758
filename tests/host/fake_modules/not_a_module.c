/* A shared library that is not an ALEX OS module: it lacks alex_module_create. */
__attribute__((visibility("default"))) int not_an_alex_module(void) { return 42; }
