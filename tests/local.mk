# shared test helpers, config cases, integration tests
EXTRA_DIST += tests/fuzz/fuzz.h
