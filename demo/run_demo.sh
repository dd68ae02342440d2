#!/usr/bin/env bash
# The demo's dataset work: run every built-in plugin's main action that is installed.
set -u
L="$1"
has() { "$L" ops list --json | grep -q "\"id\": \"$1\""; }
step() { echo; echo "\$ lightplug $*"; "$L" "$@"; }
has hue.hue_groups && step run hue.hue_groups --nb-groups 3 --no-input
has dedup.find_duplicates && step run dedup.find_duplicates --no-input
has quality.find_issues && step run quality.find_issues --no-input
has similarity.clusters && step run similarity.clusters --no-input
step runs list
exit 0
