#!/usr/bin/env bash
# Installs the Debian packages ssc needs to build, run and test, skipping what is
# already there. Safe to run repeatedly; needs root (or sudo) only when something
# is missing.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ca-certificates openssl
  libuv1-dev libssl-dev libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler
  protobuf-compiler libpq-dev libinih-dev libjansson-dev libcsv-dev zlib1g-dev
  grpc-proto postgresql-15 postgresql-client-15 procps acl libcmocka-dev
)
test_pkgs=(
  libcmocka-dev python3 python3-grpcio python3-grpc-tools python3-h2
  grpc-proto nghttp2-client nghttp2-server clang-format cppcheck jq
)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${test_pkgs[@]}")
fi

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
