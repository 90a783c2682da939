#!/bin/sh
# The hand-written equivalent of one Drover job: clone, branch, a one-line change, commit, push,
# then remove the clone (Drover removes its workspace too).
# Usage: baseline.sh <url> <workdir> <branch>
set -e
git clone -q --no-tags --single-branch --branch main "$1" "$2"
cd "$2"
git checkout -q -b "$3"
echo change >> README.md
git add -A
git commit -q -m "bench: one-line change"
git push -q origin "$3"
cd /
rm -rf "$2"
