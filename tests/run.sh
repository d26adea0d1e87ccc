#!/usr/bin/env bash
# THE test command: toolchain, Rust unit tests, end-to-end tests (real Terraform 1.15.5 + 1.0.3 against moto,
# nextstack-edge and Chromium).
#   tests/run.sh [PYTEST ARGS...]      e.g. tests/run.sh -x -k ssm
# NEXTSTACK_PROFILE=release builds the provider for the e2e tests in release mode.
# NEXTSTACK_TEST_WORKERS=N runs the end-to-end test files in N pytest-xdist workers (default 3; 0: one process).
# Most of a test's time is spent waiting on Terraform and the emulator, so workers overlap well even on two
# cores; each worker has its own moto server, and a file's tests stay in one worker (they share its fixtures).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

section() { printf '\n==================== %s ====================\n' "$*"; }
started=$SECONDS

# What the run writes lives in the clone (target/ or $CARGO_TARGET_DIR, .tools/), the cache outside it and
# pytest's temporary directory; printed at the start and the end so that a run that fills the disk says so in its
# own output.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nextstack"
disk() {
    printf 'disk, %s:\n' "$1"
    df -h "$ROOT" "$(dirname "$cache")" "${TMPDIR:-/tmp}" 2>/dev/null | awk 'NR == 1 || !seen[$0]++'
    du -sh "${CARGO_TARGET_DIR:-target}" .tools "$cache" 2>/dev/null || true
}
disk "before the run"
trap 'disk "at the end of the run"' EXIT

section "1/3 toolchain (tests/toolchain.sh)"
tests/toolchain.sh

section "2/3 build and unit tests (cargo build --workspace, cargo test --workspace)"
cargo build --workspace
cargo test --workspace

section "3/3 end-to-end tests (pytest tests)"
workers="${NEXTSTACK_TEST_WORKERS:-3}"
parallel=()
[[ "$workers" == 0 ]] || parallel=(-n "$workers" --dist loadfile)
.tools/venv/bin/python -m pytest tests -q --durations=25 "${parallel[@]}" "$@"

section "all passed in $((SECONDS - started)) s"
