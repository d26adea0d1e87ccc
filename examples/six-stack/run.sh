#!/usr/bin/env bash
# Builds the six-stack reference architecture (data, compute, networking, application, api, edge), each stack its
# own root module and state, in the order `nextstack-lint graph --format json` derives from the SSM names the
# stacks publish and read (stacks of one stage run in parallel). Nothing here hard-codes that order.
#
#   examples/six-stack/run.sh                 local emulator: starts moto with a DNS account (111111111111) and
#                                             its zone, applies all six, shows what was built, checks that a second
#                                             plan is empty, destroys in reverse order and checks nothing is left
#   examples/six-stack/run.sh apply|plan|destroy
#                                             one step, against an emulator that is already running
#                                             (AWS_ENDPOINT_URL set) or real AWS (NEXTSTACK_REAL_AWS=1); state is
#                                             kept in each stack's directory between runs
#
# Against a running emulator or real AWS, the edge stack takes TF_VAR_domain_name, TF_VAR_hosted_zone_id and
# TF_VAR_dns_role_arn from the environment; TF_VAR_environment (default dev) applies to all six.
# NEXTSTACK_REAL_AWS=1 uses the usual AWS credentials (AWS_PROFILE, ...) and creates billable resources.
# NEXTSTACK_TF_VERSION=1.11.4 runs the machine's Terraform 1.11.4 instead of 1.15.5; KEEP_SCRATCH=1 keeps the
# emulator run's scratch directory.
set -euo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$EXAMPLE/../.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
HARNESS="$ROOT/tests/e2e/harness.py"
SIX="$ROOT/tests/e2e/six_stack.py"
COMMAND="${1:-up}"
started=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

case "$COMMAND" in
up | apply | plan | destroy) ;;
*) die "usage: run.sh [apply|plan|destroy] (no argument: the whole cycle against a local emulator)" ;;
esac
mode=moto
if [[ "${NEXTSTACK_REAL_AWS:-}" == 1 ]]; then
    mode=aws
    [[ -z "${AWS_ENDPOINT_URL:-}" ]] || die "NEXTSTACK_REAL_AWS=1 and AWS_ENDPOINT_URL are both set: choose one"
elif [[ -n "${AWS_ENDPOINT_URL:-}" ]]; then
    mode=endpoint
fi
if [[ "$mode" == moto && "$COMMAND" != up ]]; then
    die "'$COMMAND' alone needs a running emulator (AWS_ENDPOINT_URL) or NEXTSTACK_REAL_AWS=1: an emulator this script starts lives only as long as the script"
fi
if [[ "$mode" != moto && "$COMMAND" == up ]]; then
    COMMAND=apply
fi

step "toolchain"
"$ROOT/tests/toolchain.sh"
TF="$("$PY" "$HARNESS" terraform-path "${NEXTSTACK_TF_VERSION:-1.15.5}")"
echo "terraform: $("$TF" version | head -n1)"

step "building the provider and the linter"
PROVIDER="$(cd "$ROOT" && "$PY" "$HARNESS" build-provider)"
(cd "$ROOT" && cargo build -q -p nextstack-lint)
export NEXTSTACK_LINT_BINARY="$ROOT/target/debug/nextstack-lint"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/nextstack-six-stack.XXXXXX")"
MOTO_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$MOTO_PID" ]]; then
        kill -TERM "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_SCRATCH:-}" == 1 ]]; then echo "scratch directory kept: $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CLI_CONFIG="$("$PY" "$HARNESS" setup --provider "$PROVIDER" --dir "$SCRATCH")"
if [[ "$mode" == moto ]]; then
    step "starting moto (local AWS) with a DNS account and its zone"
    "$PY" "$HARNESS" moto --endpoint-file "$SCRATCH/moto.endpoint" --log-dir "$SCRATCH" &
    MOTO_PID=$!
    for _ in $(seq 1 600); do
        [[ -s "$SCRATCH/moto.endpoint" ]] && break
        kill -0 "$MOTO_PID" 2>/dev/null || die "moto failed to start"
        sleep 0.1
    done
    [[ -s "$SCRATCH/moto.endpoint" ]] || die "moto did not become ready in 60 s"
    ENDPOINT="$(cat "$SCRATCH/moto.endpoint")"
    eval "$("$PY" "$HARNESS" env --endpoint "$ENDPOINT" --cli-config "$CLI_CONFIG")"
    export TF_VAR_domain_name="${TF_VAR_domain_name:-example.test}"
    export TF_VAR_dns_role_arn="arn:aws:iam::111111111111:role/nextstack-dns"
    TF_VAR_hosted_zone_id="$("$PY" "$SIX" dns-zone --endpoint "$ENDPOINT" --domain "$TF_VAR_domain_name")"
    export TF_VAR_hosted_zone_id
    echo "moto: $ENDPOINT; DNS account 111111111111, zone $TF_VAR_hosted_zone_id ($TF_VAR_domain_name)"
    # A scratch copy: the emulator's state dies with it, so no state may stay in the repository.
    mkdir -p "$SCRATCH/layout/examples"
    cp -r "$ROOT/modules" "$SCRATCH/layout/modules"
    (cd "$EXAMPLE" && tar --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='terraform.tfstate*' \
        --exclude=run.sh -cf - .) | (mkdir -p "$SCRATCH/layout/examples/six-stack" && tar -xf - -C "$SCRATCH/layout/examples/six-stack")
    LAYOUT="$SCRATCH/layout/examples/six-stack"
else
    export TF_CLI_CONFIG_FILE="$CLI_CONFIG" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    for v in TF_VAR_domain_name TF_VAR_hosted_zone_id; do
        [[ -n "${!v:-}" ]] || die "$v is not set (the edge stack needs it)"
    done
    LAYOUT="$EXAMPLE"
    echo "target: ${AWS_ENDPOINT_URL:-real AWS}; state in $EXAMPLE/<stack>/terraform.tfstate"
fi

step "deploy order (nextstack-lint graph --format json)"
STAGES_JSON="$("$NEXTSTACK_LINT_BINARY" graph --format json "$LAYOUT")"
mapfile -t STAGES < <("$PY" -c 'import json, sys
for stage in json.load(sys.stdin)["stages"]:
    print(" ".join(stage))' <<<"$STAGES_JSON")
"$NEXTSTACK_LINT_BINARY" graph "$LAYOUT" | tail -n1

tf() { "$TF" -chdir="$LAYOUT/$1" "${@:2}"; }
region_of() { [[ "$1" == edge ]] && echo us-east-1 || echo "${TF_VAR_region:-eu-west-1}"; }

# Runs `terraform ARGS` in every stack of a stage at once; output is prefixed with the stack's name.
run_stage() {
    local stage="$1"
    shift
    local pids=() stack rc=0
    for stack in $stage; do
        (
            export AWS_REGION="$(region_of "$stack")" AWS_DEFAULT_REGION="$(region_of "$stack")"
            [[ -d "$LAYOUT/$stack/.terraform" ]] || tf "$stack" init -input=false -no-color >/dev/null
            tf "$stack" "$@" 2>&1 | sed -u "s/^/[$stack] /"
            exit "${PIPESTATUS[0]}"
        ) &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
    return "$rc"
}

apply_all() {
    local stage
    for stage in "${STAGES[@]}"; do
        step "apply: $stage"
        run_stage "$stage" apply -input=false -no-color -auto-approve
    done
}
plan_all() {
    local stage rc=0
    for stage in "${STAGES[@]}"; do
        step "plan: $stage"
        run_stage "$stage" plan -input=false -no-color -detailed-exitcode || rc=$?
    done
    return "$rc"
}
destroy_all() {
    local i
    for ((i = ${#STAGES[@]} - 1; i >= 0; i--)); do
        step "destroy: ${STAGES[$i]}"
        run_stage "${STAGES[$i]}" destroy -input=false -no-color -auto-approve
    done
}
show_outputs() {
    local stage stack
    step "what was built"
    for stage in "${STAGES[@]}"; do
        for stack in $stage; do
            printf -- '--- %s\n' "$stack"
            tf "$stack" output -no-color
        done
    done
}

case "$COMMAND" in
apply) apply_all && show_outputs ;;
plan) plan_all ;;
destroy) destroy_all ;;
up)
    apply_all
    show_outputs
    plan_all || die "a second plan shows changes (exit 2) or failed (exit 1): see above"
    echo "second plan: no changes in any stack"
    destroy_all
    step "checking that nothing is left in moto"
    "$PY" "$SIX" leftovers --endpoint "$ENDPOINT" --dns-zone-id "$TF_VAR_hosted_zone_id"
    ;;
esac
step "six-stack $COMMAND finished in $((SECONDS - started)) s"
