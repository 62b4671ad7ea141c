#!/bin/sh
# Folder-level include graph of src/: "from -> to (N)" for each pair of
# folders where files in `from` include headers of `to`.
cd "$(dirname "$0")/.." || exit 1
for f in $(git ls-files 'src/*.c' 'src/*.h'); do
    from=$(dirname "$f" | sed 's|^src/||; s|^src$|main|')
    grep -h '^#include "' "$f" | sed 's/^#include "\([^"]*\)".*/\1/' | while read -r inc; do
        case "$inc" in */*) to=$(dirname "$inc") ;; *) to=$from ;; esac
        [ "$from" != "$to" ] && echo "$from -> $to"
    done
done | sort | uniq -c | awk '{printf "%-12s -> %-12s %3d\n", $2, $4, $1}'
