#!/usr/bin/env bash
# check-style.sh - the machine-kept part of the style guide.
#
#   scripts/check-style.sh [BUILD_DIR]
#
# Checks the C sources under transport/ daemon/ client/ tests/unit/ bench/
# (build directories and generated code are not looked at) in four ways and
# exits non-zero, naming FILE:LINE, if any of them finds something:
#   1. format: each file must be exactly what clang-format makes of it
#      (.clang-format at the root);
#   2. banned functions: sprintf, vsprintf, strcpy, strcat, atoi, atol, atoll,
#      atof, gets, strtok (use snprintf, memcpy with a known length, strtoul
#      with end checks, fgets, strtok_r);
#   3. layers: daemon/rpc/ and daemon/db/ include no header of each other or
#      of daemon/services/ (arrows point down only);
#   4. cppcheck with warnings and portability checks. Given a BUILD_DIR that
#      holds compile_commands.json, cppcheck uses its flags (and keeps a cache
#      there, so a second run is quicker); otherwise it reads the files plainly.
# A line can opt out of a cppcheck finding with a "cppcheck-suppress id"
# comment above it, saying why.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
dirs=(transport daemon client tests/unit tests/db tests/fuzz bench)
build=${1:-}
failed=()

die() {
  echo "check-style: $*" >&2
  exit 2
}

for tool in clang-format cppcheck; do
  command -v "$tool" >/dev/null ||
    die "$tool not found; install it with scripts/deps.sh --test"
done
if [ -n "$build" ]; then
  [ -d "$build" ] || die "no such build directory: $build"
  build=$(cd "$build" && pwd -P)
fi

cd "$root" || exit 2

# The files to check, relative to the root. Any directory named build* is
# skipped, as it holds generated code.
mapfile -t files < <(find "${dirs[@]}" -type d -name 'build*' -prune -o -type f \
  \( -name '*.c' -o -name '*.h' \) -print 2>/dev/null | LC_ALL=C sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "check-style: no C files found" >&2
  exit 0
fi
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.c$')

# clang-format names every column it would change; one line per FILE:LINE is
# enough to find them.
check_format() {
  local out
  out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1)
  if [ -n "$out" ]; then
    grep ': error: ' <<<"$out" |
      sed -E 's/^([^:]+:[0-9]+):[0-9]+: error: .*/\1: not clang-formatted/' |
      uniq >&2
    echo "check-style: format: run clang-format -i on the files above" >&2
    return 1
  fi
}

# Comment lines (those starting with /*, * or //) may name a banned function
# in order to say what is used instead.
check_banned() {
  local re='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|atoi|atol|atoll|atof|gets|strtok)[[:space:]]*\('
  local out
  out=$(grep -nE "$re" "${files[@]}" |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*|//)' |
    sed -E 's/^([^:]+:[0-9]+):[[:space:]]*/\1: banned function: /')
  if [ -n "$out" ]; then
    echo "$out" >&2
    return 1
  fi
}

check_cppcheck() {
  local args=('--enable=warning,portability' --error-exitcode=1 --inline-suppr
    -q --suppress=missingIncludeSystem -j "$(nproc)"
    --template='{file}:{line}: {severity}: {message} [{id}]')
  if [ -n "$build" ] && [ -f "$build/compile_commands.json" ]; then
    local d
    mkdir -p "$build/cppcheck-cache"
    # Generated code (protobuf-c output in the build tree) is not ours to
    # fix, and without the system headers cppcheck misreads its version
    # guards.
    args+=(--project="$build/compile_commands.json"
      --cppcheck-build-dir="$build/cppcheck-cache" "--suppress=*:$build/*")
    for d in "${dirs[@]}"; do
      # With an absolute project path cppcheck keeps the paths absolute.
      args+=("--file-filter=$root/$d/*")
    done
  else
    args+=(-I transport -I daemon -I daemon/rpc -I daemon/db
      -I daemon/services -I client --std=c11 -D_GNU_SOURCE
      "${sources[@]}")
  fi
  [ ${#sources[@]} -gt 0 ] || return 0
  cppcheck "${args[@]}"
}

# The daemon's folders are its layers, and arrows point down only:
# services/ may include rpc/ and db/; rpc/ and db/ include neither each other
# nor services/; all may include transport/ and the top (config, log). The
# include paths hold every folder, so a wrong #include would compile: this
# is what keeps it out.
check_layers() {
  local layer other h out="" f
  for layer in rpc db; do
    for other in rpc db services; do
      [ "$other" = "$layer" ] && continue
      for h in daemon/"$other"/*.h; do
        [ -e "$h" ] || continue
        f=$(grep -ln "#include \"$(basename "$h")\"" daemon/"$layer"/*.[ch] 2>/dev/null)
        [ -n "$f" ] && out+="$(sed "s|\$|: includes $other/$(basename "$h") (a layer it may not use)|" <<<"$f")"$'\n'
      done
    done
  done
  if [ -n "$out" ]; then
    printf '%s' "$out" >&2
    return 1
  fi
}

check_format || failed+=(format)
check_layers || failed+=(layers)
check_banned || failed+=("banned functions")
check_cppcheck || failed+=(cppcheck)

if [ ${#failed[@]} -gt 0 ]; then
  echo "check-style: failed: $(
    IFS=,
    echo "${failed[*]}"
  )" >&2
  exit 1
fi
