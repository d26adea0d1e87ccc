#!/usr/bin/env bash
# Runs the quickstart end to end on this machine, with no AWS account: installs the toolchain, builds the provider,
# starts a local AWS emulator (moto), then applies the stacks in order (data, networking: eu-west-1; edge: us-east-1,
# which finds the others through SSM), prints the edge stack's outputs and destroys the stacks in reverse order.
#
#   examples/quickstart/run.sh [EXTRA TERRAFORM ARGS FOR EVERY apply/destroy, e.g. -var environment=demo]
#
# Every stack is its own root module with its own state, like real stacks. They run in a scratch copy of this
# directory, so no state is left in the repository.
# NEXTSTACK_TF_VERSION=1.0.3 runs the oldest supported Terraform instead of 1.15.5;
# NEXTSTACK_PROFILE=release builds the provider in release mode; KEEP_SCRATCH=1 keeps the scratch directory.
set -euo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$EXAMPLE/../.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
HARNESS="$ROOT/tests/e2e/harness.py"
STACKS=(data networking edge) # apply order; destroyed in reverse
started=$SECONDS

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
"$ROOT/tests/toolchain.sh"
TF="$("$PY" "$HARNESS" terraform-path "${NEXTSTACK_TF_VERSION:-1.15.5}")"

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
for stack in "${STACKS[@]}"; do
    compgen -G "$WORK/stacks/$stack/*.tf" >/dev/null || { echo "no *.tf files in $EXAMPLE/stacks/$stack" >&2; exit 1; }
done

tf_version="$("$TF" version)"
echo "terraform: ${tf_version%%$'\n'*}"

for stack in "${STACKS[@]}"; do
    step "stack $stack: terraform init + apply"
    "$TF" -chdir="$WORK/stacks/$stack" init -input=false -no-color >/dev/null
    "$TF" -chdir="$WORK/stacks/$stack" apply -input=false -no-color -auto-approve "$@"
done

step "edge stack outputs (what us-east-1 found in eu-west-1 through SSM)"
"$TF" -chdir="$WORK/stacks/edge" output -no-color

for ((i = ${#STACKS[@]} - 1; i >= 0; i--)); do
    stack="${STACKS[$i]}"
    step "stack $stack: terraform destroy"
    "$TF" -chdir="$WORK/stacks/$stack" destroy -input=false -no-color -auto-approve "$@"
done

step "checking that nothing is left in moto"
"$PY" - "$ENDPOINT" <<'EOF'
import sys

import boto3

left = []
for region in ("eu-west-1", "us-east-1"):
    ssm = boto3.client("ssm", region_name=region, endpoint_url=sys.argv[1])
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path="/", Recursive=True):
        left += ["%s:%s" % (region, p["Name"]) for p in page["Parameters"]]
if left:
    sys.exit("parameters left after destroy: " + ", ".join(left))
print("no SSM parameters left in eu-west-1 or us-east-1")
EOF

step "quickstart finished in $((SECONDS - started)) s: applied and destroyed ${STACKS[*]} against moto at $ENDPOINT"
