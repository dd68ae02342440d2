#!/usr/bin/env bash
# `make demo`: a sample folder, a project over it, every built-in plugin's main action that is
# installed, and the duplicates report. Any step that fails stops the demo with its exit code.
set -euo pipefail
L="$1"      # the lightplug console script
PY="$2"     # the Python of its environment
cd "$(dirname "$0")/.."

step() { printf '\n$ lightplug %s\n' "$*"; "$L" "$@"; }

rm -rf demo/sample
"$PY" -m lightplug.sample demo/sample > /dev/null
step init .
step import demo/sample
step run greet --name "new lightplug user" --no-input
step plugins list
step ops list

operators="$("$L" ops list --json)"
has() { grep -q "\"id\": \"$1\"" <<< "$operators"; }
has hue.hue_groups && step run hue.hue_groups --nb-groups 3 --no-input
dedup=""
if has dedup.find_duplicates; then
    step run dedup.find_duplicates --no-input --report demo/sample/duplicates.html
    dedup="$("$L" runs list --json --limit 1 | "$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')"
fi
has quality.find_issues && step run quality.find_issues --no-input
has similarity.clusters && step run similarity.clusters --no-input
step runs list

echo
echo "Done: .lightplug/ in this folder is a lightplug project over demo/sample/. Try next:"
if [ -n "$dedup" ]; then
    cat <<EOF
  $L show $dedup                            # the duplicates, by path, KEEP marks the keeper
  $L report $dedup --html demo/sample/duplicates.html --open   # the same as thumbnails
  $L run dedup.tag_duplicates --from-run $dedup --no-input    # tag the copies, never a keeper
  $L images trash --tag duplicate --dry-run           # what would go to the trash (drop --dry-run to do it)
  $L undo                                             # put it all back
EOF
fi
cat <<EOF
  $L status                                           # the project on one screen
  $L history                                          # what undo and redo would do
The whole recipe, step by step: docs/tutorial.md
EOF
