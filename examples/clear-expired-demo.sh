#!/usr/bin/env bash
# The main job on a bundled database made by real Django 6.1 (tests/fixtures/django-6.1),
# run on a temporary copy so the repository stays clean.
#
# The set was made at 2025-06-01T12:00:00Z and Django's own clearsessions deleted 7 of its
# 26 sessions at that instant; --now replays that moment (at today's clock every session
# in it has long expired).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/fixtures/django-6.1/sessions.sqlite3 "$work/sessions.sqlite3"
export DATABASE_URL="sqlite:///$work/sessions.sqlite3"
now=2025-06-01T12:00:00Z

cargo build --quiet --release
sessctl=target/release/sessctl
echo "\$ sessctl stats --now $now"
"$sessctl" stats --now "$now"
echo "\$ sessctl clear-expired --now $now"
"$sessctl" clear-expired --now "$now"
echo "\$ sessctl list --now $now --limit 5"
"$sessctl" list --now "$now" --limit 5
