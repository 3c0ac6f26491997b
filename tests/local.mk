# The shell helpers every test script sources.
EXTRA_DIST += tests/lib.sh
