#!/usr/bin/env bash
# Installs the Debian packages ssc needs to build, run and test, skipping what is
# already there. Safe to run repeatedly; needs root (or sudo) only when something
# is missing.
#
#   scripts/deps.sh           what building and running needs
#   scripts/deps.sh --test    also what the tests need
#   scripts/deps.sh --fuzz    also clang and libFuzzer, for fuzzing campaigns
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ca-certificates openssl
  libuv1-dev libssl-dev libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler
  protobuf-compiler libpq-dev libinih-dev libjansson-dev libcsv-dev zlib1g-dev libical-dev
  grpc-proto postgresql-15 postgresql-client-15 procps acl libcmocka-dev
)
test_pkgs=(
  libcmocka-dev python3 python3-grpcio python3-grpc-tools python3-h2 python3-icalendar
  grpc-proto nghttp2-client nghttp2-server clang-format cppcheck jq
)
# libFuzzer campaigns (tests/fuzz/README.md): clang and its runtimes, which
# hold libFuzzer itself. Not needed for ctest's replay of the fuzz targets.
fuzz_pkgs=(clang-14 libclang-rt-14-dev)

want=("${build_pkgs[@]}")
case "${1:-}" in
--test) want+=("${test_pkgs[@]}") ;;
--fuzz) want+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
