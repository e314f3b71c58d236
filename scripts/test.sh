#!/usr/bin/env bash
# The tests: install what is missing, build, and run the whole suite through
# ctest twice: in the normal build, then in an AddressSanitizer +
# UndefinedBehaviorSanitizer build. Two tests at a time (-j2); the ones that
# measure memory or time, or load the machine, are RUN_SERIAL and run alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

bash "$root/scripts/deps.sh" --test

echo "==> build (RelWithDebInfo)"
bash "$root/scripts/build.sh" "$root/build"
echo "==> ctest"
(cd "$root/build" && ctest -j2 --output-on-failure --timeout 600)

echo "==> build (ASan + UBSan)"
bash "$root/scripts/build.sh" "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug \
  -DSSC_ASAN=ON -DSSC_UBSAN=ON
echo "==> ctest (ASan + UBSan)"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j2 --output-on-failure --timeout 900)
