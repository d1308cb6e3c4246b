#!/bin/sh
# clang_format.sh SOURCE_DIR — every tracked .c and .h file is formatted as
# .clang-format says (clang-format --dry-run -Werror). Prints the offending
# lines and fails; exits 77 (skipped) without clang-format or outside a git
# checkout, saying why. Changes no file.
cd "$1" || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format not found: formatting not checked (Debian: apt-get install clang-format)"
  exit 77
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "not a git checkout: no list of tracked files, formatting not checked"
  exit 77
fi
files=$(git ls-files -- '*.c' '*.h')
[ -n "$files" ] || { echo "no tracked .c/.h files"; exit 1; }
# shellcheck disable=SC2086 # one word per path: the tree has no spaces in names
clang-format --dry-run -Werror $files || {
  echo "some files are not clang-format clean: run clang-format -i on them"
  exit 1
}
echo "$(echo "$files" | wc -l) files clang-format clean"
