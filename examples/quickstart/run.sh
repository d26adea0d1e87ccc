#!/usr/bin/env bash
# Runs the quickstart example end to end on this machine, with no AWS account: installs the toolchain, builds the
# provider, starts a local AWS emulator (moto) and runs Terraform 1.15.5 init + apply, prints the outputs, destroys.
#
#   examples/quickstart/run.sh [EXTRA TERRAFORM ARGS FOR apply/destroy, e.g. -var name=value]
#
# Works in a scratch copy of this directory, so no state is left in the repository.
# NEXTSTACK_PROFILE=release builds the provider in release mode; KEEP_SCRATCH=1 keeps the scratch directory.
# If the example has a seed.py, it runs first (venv Python, AWS_ENDPOINT_URL pointing at moto) to create
# what the example expects to already exist in AWS.
set -euo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$EXAMPLE/../.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
HARNESS="$ROOT/tests/e2e/harness.py"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
"$ROOT/tests/toolchain.sh"
TF="$("$PY" "$HARNESS" terraform-path 1.15.5)"

step "building the provider (cargo build -p terraform-provider-nextstack)"
PROVIDER="$(cd "$ROOT" && "$PY" "$HARNESS" build-provider)"
echo "provider: $PROVIDER"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/nextstack-quickstart.XXXXXX")"
MOTO_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$MOTO_PID" ]]; then
        kill -TERM "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_SCRATCH:-}" == 1 ]]; then
        echo "scratch directory kept: $SCRATCH" >&2
    else
        rm -rf "$SCRATCH"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting moto (local AWS)"
"$PY" "$HARNESS" moto --endpoint-file "$SCRATCH/moto.endpoint" --log-dir "$SCRATCH" &
MOTO_PID=$!
for _ in $(seq 1 600); do
    [[ -s "$SCRATCH/moto.endpoint" ]] && break
    kill -0 "$MOTO_PID" 2>/dev/null || { echo "moto failed to start" >&2; exit 1; }
    sleep 0.1
done
[[ -s "$SCRATCH/moto.endpoint" ]] || { echo "moto did not become ready in 60 s" >&2; exit 1; }
ENDPOINT="$(cat "$SCRATCH/moto.endpoint")"

CLI_CONFIG="$("$PY" "$HARNESS" setup --provider "$PROVIDER" --dir "$SCRATCH")"
eval "$("$PY" "$HARNESS" env --endpoint "$ENDPOINT" --cli-config "$CLI_CONFIG")"

WORK="$SCRATCH/work"
mkdir -p "$WORK"
(cd "$EXAMPLE" && tar --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='terraform.tfstate*' \
    --exclude=run.sh -cf - .) | tar -xf - -C "$WORK"
if ! compgen -G "$WORK/*.tf" >/dev/null; then
    echo "no *.tf files in $EXAMPLE" >&2
    exit 1
fi

if [[ -f "$WORK/seed.py" ]]; then
    step "seeding moto (seed.py)"
    "$PY" "$WORK/seed.py"
fi

step "terraform init"
"$TF" -chdir="$WORK" init -input=false -no-color

step "terraform apply"
"$TF" -chdir="$WORK" apply -input=false -no-color -auto-approve "$@"

step "outputs"
"$TF" -chdir="$WORK" output -no-color

step "terraform destroy"
"$TF" -chdir="$WORK" destroy -input=false -no-color -auto-approve "$@"

step "quickstart finished: applied and destroyed against moto at $ENDPOINT"
