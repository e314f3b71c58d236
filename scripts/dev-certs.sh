#!/usr/bin/env bash
# dev-certs.sh - a development CA and the certificates sscd and ssc need.
#
#   scripts/dev-certs.sh [-v] DIR [NAME...]
#
# Creates in DIR, with the openssl CLI:
#   ca.pem, ca.key            a development CA (CN=ssc development CA, O=ssc-dev)
#   server.pem, server.key    sscd's certificate, for DNS:localhost,
#                             IP:127.0.0.1 and IP:::1
#   NAME.pem, NAME.key        one client certificate per NAME (CN=NAME,
#                             O=ssc-dev, clientAuth); the default names are
#                             admin secretariat ministry-a ministry-b reconciler
#
# Keys are EC P-256 with mode 0600; certificates last 825 days. Running it
# again keeps every file that is still good (signed by the CA in DIR, matching
# its key, more than 30 days from expiry) and replaces the rest; a new CA
# therefore reissues everything under it. Silent on success unless -v.
#
# These are for development and tests only: the CA key sits unencrypted next
# to the certificates it signs.
set -euo pipefail

prog=dev-certs
days=825
renew_before_s=$((30 * 24 * 3600))
default_names=(admin secretariat ministry-a ministry-b reconciler)
verbose=0

usage() {
  echo "usage: $0 [-v] DIR [NAME...]" >&2
  exit 2
}

say() {
  if [ "$verbose" -eq 1 ]; then
    echo "$prog: $*" >&2
  fi
}

die() {
  echo "$prog: $*" >&2
  exit 1
}

# Runs an openssl command quietly; on failure shows what it said and stops.
ossl() {
  local out
  if ! out=$(openssl "$@" 2>&1); then
    die "openssl $1 failed: $out"
  fi
}

new_key() {
  (umask 077 && ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$1")
  chmod 600 "$1"
}

# True when cert and key exist, belong together, are signed by the CA in dir
# (or are the CA) and stay valid for a while yet.
still_good() {
  local cert=$1 key=$2 ca=$3
  [ -s "$cert" ] && [ -s "$key" ] || return 1
  openssl x509 -noout -checkend "$renew_before_s" -in "$cert" \
    >/dev/null 2>&1 || return 1
  openssl verify -CAfile "$ca" "$cert" >/dev/null 2>&1 || return 1
  [ "$(openssl x509 -noout -pubkey -in "$cert" 2>/dev/null)" = \
    "$(openssl pkey -pubout -in "$key" 2>/dev/null)" ] || return 1
}

make_ca() {
  local tmpkey=$work/ca.key tmpcert=$work/ca.pem
  new_key "$tmpkey"
  ossl req -new -x509 -sha256 -days "$days" -key "$tmpkey" -out "$tmpcert" \
    -subj "/O=ssc-dev/CN=ssc development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  install_pair "$tmpcert" "$tmpkey" ca
}

# Issues dir/name.pem + dir/name.key for subject subj with extensions ext.
make_leaf() {
  local name=$1 subj=$2 ext=$3
  local tmpkey=$work/$name.key csr=$work/$name.csr tmpcert=$work/$name.pem
  local extfile=$work/$name.ext
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" \
    "$ext" >"$extfile"
  new_key "$tmpkey"
  ossl req -new -sha256 -key "$tmpkey" -subj "$subj" -out "$csr"
  ossl x509 -req -sha256 -days "$days" -in "$csr" \
    -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$extfile" -out "$tmpcert"
  install_pair "$tmpcert" "$tmpkey" "$name"
}

# Moves a finished pair into place, key first, so that an interrupted run
# never leaves a certificate beside a key it does not match for long: the
# next run sees the mismatch and reissues.
install_pair() {
  mv -f "$2" "$dir/$3.key"
  mv -f "$1" "$dir/$3.pem"
  say "wrote $dir/$3.pem and $dir/$3.key"
}

ensure_ca() {
  if still_good "$dir/ca.pem" "$dir/ca.key" "$dir/ca.pem"; then
    say "kept $dir/ca.pem"
    return
  fi
  make_ca
}

ensure_leaf() {
  local name=$1 subj=$2 ext=$3
  if still_good "$dir/$name.pem" "$dir/$name.key" "$dir/ca.pem"; then
    say "kept $dir/$name.pem"
    return
  fi
  make_leaf "$name" "$subj" "$ext"
}

check_name() {
  case $1 in
  ca | server) die "\"$1\" is reserved; pick another client name" ;;
  esac
  if ! [[ $1 =~ ^[a-z0-9][a-z0-9._-]*$ ]]; then
    die "bad client name \"$1\": use lower-case letters, digits, '.', '_', '-'"
  fi
}

while getopts "vh" opt; do
  case $opt in
  v) verbose=1 ;;
  *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
dir=${1%/}
[ -n "$dir" ] || dir=/
shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  names=("${default_names[@]}")
fi
for n in "${names[@]}"; do
  check_name "$n"
done

command -v openssl >/dev/null || die "openssl not found; install it (apt-get install openssl)"
mkdir -p "$dir"
work=$(mktemp -d "$dir/.dev-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

ensure_ca
ensure_leaf server "/O=ssc-dev/CN=localhost" \
  "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
extendedKeyUsage=serverAuth"
for n in "${names[@]}"; do
  ensure_leaf "$n" "/O=ssc-dev/CN=$n" "extendedKeyUsage=clientAuth"
done
