#!/usr/bin/env bash
# THE test command: toolchain, Rust unit tests, end-to-end tests (real Terraform 1.15.5 + 1.0.3 against moto).
#   tests/run.sh [PYTEST ARGS...]      e.g. tests/run.sh -x -k ssm
# NEXTSTACK_PROFILE=release builds the provider for the e2e tests in release mode.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

section() { printf '\n==================== %s ====================\n' "$*"; }
started=$SECONDS

section "1/3 toolchain (tests/toolchain.sh)"
tests/toolchain.sh

section "2/3 unit tests (cargo test --workspace)"
cargo test --workspace

section "3/3 end-to-end tests (pytest tests)"
.tools/venv/bin/python -m pytest tests -q "$@"

section "all passed in $((SECONDS - started)) s"
