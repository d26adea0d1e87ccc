#!/usr/bin/env bash
# Builds the six-stack reference architecture (data, compute, networking, application, api, edge), each stack its
# own root module and state, in the order `nextstack-lint graph --format json` derives from the SSM names the
# stacks publish and read (stacks of one stage run in parallel). Nothing here hard-codes that order.
#
#   examples/six-stack/run.sh                 local emulator: starts moto with a DNS account (111111111111) and
#                                             its zone, applies all six, shows what was built, checks that a second
#                                             plan is empty, serves the site with nextstack-edge (the distribution,
#                                             the ALB, the application's ECS task as a local process) and loads its
#                                             home page once, destroys in reverse order and checks nothing is left
#   examples/six-stack/run.sh --serve         the same, but keeps serving until Ctrl-C (or SIGTERM), then destroys
#   examples/six-stack/run.sh apply|plan|destroy
#                                             one step, against an emulator that is already running
#                                             (AWS_ENDPOINT_URL set) or real AWS (NEXTSTACK_REAL_AWS=1); each step
#                                             is its own process and works in any later invocation: the state and
#                                             what Terraform needs to read it again are kept side by side
#
# The steps keep each stack's state in its directory (examples/six-stack/<stack>/terraform.tfstate) and, beside
# it, examples/six-stack/.nextstack/: the Terraform CLI configuration, the filesystem mirror holding the built
# provider, and what each stack was last initialised with. A stack is initialised again whenever that changed
# (a rebuilt provider, another Terraform, other module code); a rebuilt provider's old checksum is dropped from
# the stack's .terraform.lock.hcl first, hashicorp/aws stays locked. NEXTSTACK_WORKDIR=DIR keeps all of it in
# DIR/examples/six-stack instead, on a copy of the stacks and modules/ refreshed at every step.
# `plan` exits 0 when no stack has changes, 2 when one has, 1 on an error. `destroy` goes in reverse deploy order
# and skips a stack whose state is empty, so a destroy that failed half-way can simply be run again.
#
# Against a running emulator or real AWS, the edge stack takes TF_VAR_domain_name, TF_VAR_hosted_zone_id and
# TF_VAR_dns_role_arn from the environment (the same values at every step); TF_VAR_environment (default dev)
# applies to all six. NEXTSTACK_REAL_AWS=1 uses the usual AWS credentials (AWS_PROFILE, ...) and creates billable
# resources. NEXTSTACK_TF_VERSION=1.11.4 runs the machine's Terraform 1.11.4 instead of 1.15.5; KEEP_SCRATCH=1
# keeps the emulator run's scratch directory. Built binaries are found wherever cargo puts them
# (CARGO_TARGET_DIR); NEXTSTACK_PROVIDER_BINARY and NEXTSTACK_LINT_BINARY use given files instead.
#
# The application stack publishes the static files of the standalone Next.js build its image runs: the test app
# (tests/nextjs-app built with output: "standalone", cached under ~/.cache/nextstack/standalone, NEXTSTACK_CACHE),
# or NEXTSTACK_APP_DIR=DIR, your build's app directory (holding .next/ and public/). Its path goes to the
# application stack (and to nextstack-lint's graph, so that application comes after edge) in a var file kept in
# .nextstack/application.tfvars; every step must see the same build. To serve the site, nextstack-edge runs the
# service's task from its task definition, with the image (nobody built one here) standing for the build's
# .next/standalone run as `node server.js` at /app: the images file (docs/edge.md, "ECS tasks") in the scratch
# directory. It prints `endpoint: URL` (the emulator) and `nextstack-edge: serving URL (DISTRIBUTION_ID)`, the site.
set -euo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$EXAMPLE/../.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
LAB="$ROOT/tests/lab"  # the test lab's package, nextstack_lab
HARNESS="$LAB/nextstack_lab/harness.py"
# The layout's helpers import the package: they run as modules with tests/lab on the path.
SIX=(env PYTHONPATH="$LAB" "$PY" -m nextstack_lab.six_stack)
SITE=(env PYTHONPATH="$LAB" "$PY" -m nextstack_lab.six_stack_site)
started=$SECONDS

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }

COMMAND=up
SERVE=0
for arg in "$@"; do
    case "$arg" in
    apply | plan | destroy)
        [[ "$COMMAND" == up ]] || die "one step at a time: $COMMAND and $arg"
        COMMAND="$arg"
        ;;
    --serve) SERVE=1 ;;
    *) die "usage: run.sh [--serve] | run.sh apply|plan|destroy (no argument: the whole cycle against a local emulator)" ;;
    esac
done
if ((SERVE)) && [[ "$COMMAND" != up ]]; then
    die "--serve belongs to the whole cycle (no step argument): it serves what that cycle applied"
fi
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
    ((!SERVE)) || die "--serve needs the local emulator this script starts (no AWS_ENDPOINT_URL, no NEXTSTACK_REAL_AWS)"
    COMMAND=apply
fi

if [[ -n "${NEXTSTACK_WORKDIR:-}" && "$mode" == moto ]]; then
    die "NEXTSTACK_WORKDIR is for apply, plan and destroy; the whole cycle works in a scratch directory"
fi

step "toolchain"
"$ROOT/tests/toolchain.sh"
TF="$("$PY" "$HARNESS" terraform-path "${NEXTSTACK_TF_VERSION:-1.15.5}")"
TF_VERSION_LINE="$("$TF" version | head -n1)"
echo "terraform: $TF_VERSION_LINE"

step "building the provider and the linter"
# harness.py asks cargo where it put each binary, so CARGO_TARGET_DIR is honoured.
PROVIDER="$(cd "$ROOT" && "$PY" "$HARNESS" build-provider)"
NEXTSTACK_LINT_BINARY="$(cd "$ROOT" && "$PY" "$HARNESS" build-lint)"
export NEXTSTACK_LINT_BINARY
EDGE=""
if [[ "$mode" == moto ]]; then
    EDGE="$("${SITE[@]}" edge)"
    echo "nextstack-edge: $EDGE"
fi

if [[ -n "${NEXTSTACK_APP_DIR:-}" ]]; then
    step "your standalone Next.js build"
    [[ -f "$NEXTSTACK_APP_DIR/.next/BUILD_ID" && -d "$NEXTSTACK_APP_DIR/.next/standalone" ]] ||
        die "NEXTSTACK_APP_DIR=$NEXTSTACK_APP_DIR is not the app directory of a standalone Next.js build (no .next/BUILD_ID and .next/standalone/)"
    APP_DIR="$(cd "$NEXTSTACK_APP_DIR" && pwd)"
else
    step "building the test app, standalone (tests/nextjs-app; cached: only a first run or a changed app builds)"
    t0=$SECONDS
    APP_DIR="$("${SITE[@]}" app-dir)"
    echo "($((SECONDS - t0)) s)"
fi
echo "app directory: $APP_DIR"

SCRATCH=""
MOTO_PID=""
EDGE_PID=""
TAIL_PID=""
# moto and the edge run in their own sessions, so that a Ctrl-C at the terminal reaches this script (and the
# Terraform it runs) but not them: the destroy that follows a served site still has its emulator. If this script is
# killed outright, the kernel sends them SIGTERM (setpriv --pdeathsig). A plain command, so `cmd &` execs it and $!
# is its pid.
DETACHED=(setsid)
if setpriv --help 2>/dev/null | grep -q -- --pdeathsig; then DETACHED=(setsid setpriv --pdeathsig TERM --); fi
stop_pid() { # stop_pid PID: SIGTERM, then SIGKILL after 10 s
    local pid="$1" i
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
stop_edge() {
    stop_pid "$TAIL_PID"
    TAIL_PID=""
    if [[ -n "$EDGE_PID" ]]; then
        stop_pid "$EDGE_PID"
        EDGE_PID=""
        echo "nextstack-edge stopped"
    fi
}
cleanup() {
    local rc=$?
    stop_edge
    if [[ -n "$MOTO_PID" ]]; then
        kill -TERM "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    if [[ -n "$SCRATCH" ]]; then
        if [[ "${KEEP_SCRATCH:-}" == 1 ]]; then echo "scratch directory kept: $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Copies the stacks and modules/ into DEST/examples/six-stack and DEST/modules (the stacks' module sources are
# ../../../modules/...), keeping the state, lock files, .terraform/ and .nextstack/ already there and dropping
# configuration files that no longer exist in the repository.
sync_layout() {
    local dest="$1" layout="$1/examples/six-stack"
    mkdir -p "$layout"
    rm -rf "$dest/modules.new"
    (cd "$ROOT/modules" && tar --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='terraform.tfstate*' -cf - .) |
        (mkdir -p "$dest/modules.new" && tar -xf - -C "$dest/modules.new")
    rm -rf "$dest/modules"
    mv "$dest/modules.new" "$dest/modules"
    find "$layout" -mindepth 1 \( -name .terraform -o -name .nextstack \) -prune -o \
        -type f ! -name 'terraform.tfstate*' ! -name .terraform.lock.hcl -exec rm -f {} +
    (cd "$EXAMPLE" && tar --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='terraform.tfstate*' \
        --exclude=.nextstack --exclude=run.sh -cf - .) | tar -xf - -C "$layout"
}

if [[ "$mode" == moto ]]; then
    SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/nextstack-six-stack.XXXXXX")"
    # A scratch copy: the emulator's state dies with it, so no state may stay in the repository.
    sync_layout "$SCRATCH/layout"
    LAYOUT="$SCRATCH/layout/examples/six-stack"
elif [[ -n "${NEXTSTACK_WORKDIR:-}" ]]; then
    mkdir -p "$NEXTSTACK_WORKDIR"
    sync_layout "$(cd "$NEXTSTACK_WORKDIR" && pwd)"
    LAYOUT="$(cd "$NEXTSTACK_WORKDIR" && pwd)/examples/six-stack"
else
    LAYOUT="$EXAMPLE"
fi
MODULES="$LAYOUT/../../modules"
# What a later step needs to read this step's state again lives beside it, not in a scratch directory.
KEEP="$LAYOUT/.nextstack"
CLI_CONFIG="$("$PY" "$HARNESS" setup --provider "$PROVIDER" --dir "$KEEP")"
# The application stack's build, for Terraform and for nextstack-lint's graph alike (a JSON string is an HCL string).
APP_VARS="$KEEP/application.tfvars"
"$PY" -c 'import json, sys; print("static_build_dir = %s" % json.dumps(sys.argv[1]))' "$APP_DIR" >"$APP_VARS"
PROVIDER_SHA="$(sha256sum <"$PROVIDER" | cut -d' ' -f1)"

if [[ "$mode" == moto ]]; then
    step "starting moto (local AWS) with a DNS account and its zone"
    "${DETACHED[@]}" "$PY" "$HARNESS" moto --endpoint-file "$SCRATCH/moto.endpoint" --log-dir "$SCRATCH" </dev/null &
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
    TF_VAR_hosted_zone_id="$("${SIX[@]}" dns-zone --endpoint "$ENDPOINT" --domain "$TF_VAR_domain_name")"
    export TF_VAR_hosted_zone_id
    echo "moto: $ENDPOINT; DNS account 111111111111, zone $TF_VAR_hosted_zone_id ($TF_VAR_domain_name)"
    echo "endpoint: $ENDPOINT"
else
    export TF_CLI_CONFIG_FILE="$CLI_CONFIG" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    for v in TF_VAR_domain_name TF_VAR_hosted_zone_id; do
        [[ -n "${!v:-}" ]] || die "$v is not set (the networking and edge stacks need it)"
    done
    echo "target: ${AWS_ENDPOINT_URL:-real AWS}; state in $LAYOUT/<stack>/terraform.tfstate, Terraform's settings in $KEEP"
fi

step "deploy order (nextstack-lint graph --format json)"
STAGES_JSON="$("$NEXTSTACK_LINT_BINARY" graph --format json --var-file "$APP_VARS" "$LAYOUT")"
mapfile -t STAGES < <("$PY" -c 'import json, sys
for stage in json.load(sys.stdin)["stages"]:
    print(" ".join(stage))' <<<"$STAGES_JSON")
"$NEXTSTACK_LINT_BINARY" graph --var-file "$APP_VARS" "$LAYOUT" | tail -n1

tf() { "$TF" -chdir="$LAYOUT/$1" "${@:2}"; }
region_of() { [[ "$1" == edge ]] && echo us-east-1 || echo "${TF_VAR_region:-eu-west-1}"; }

# What a stack's `terraform init` depends on: Terraform, the CLI configuration (the mirrors), the provider build
# and the configuration's files (a new module call needs init). One line each, so that a change can be named.
init_record() {
    echo "terraform $TF_VERSION_LINE"
    echo "cli-config $(sha256sum <"$CLI_CONFIG" | cut -d' ' -f1)"
    echo "provider $PROVIDER_SHA"
    echo "configuration $(cd "$LAYOUT/$1" && find . "$MODULES" -name .terraform -prune -o -name '*.tf' -type f -print0 |
        sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
}

# Initialises a stack unless it was initialised with exactly what this run has (see init_record). A stack
# initialised by another provider build (or before its checksum was recorded here) forgets the nextstack entry of
# its lock file: the build's version stays the same while its checksum changes (hashicorp/aws stays locked).
ensure_init() {
    local stack="$1" record="$KEEP/init/$1" wanted
    wanted="$(init_record "$stack")"
    if [[ -d "$LAYOUT/$stack/.terraform" && -f "$record" && "$(cat "$record")" == "$wanted" ]]; then
        return 0
    fi
    if [[ -d "$LAYOUT/$stack/.terraform" ]]; then
        echo "re-initialising: $( (diff <(cat "$record" 2>/dev/null) <(echo "$wanted") || true) | sed -n 's/^> \([a-z-]*\) .*/\1/p' | paste -sd, -) changed"
    fi
    if ! grep -qxF "provider $PROVIDER_SHA" "$record" 2>/dev/null; then
        "$PY" "$HARNESS" forget-locked-provider "$LAYOUT/$stack/.terraform.lock.hcl"
    fi
    mkdir -p "$KEEP/init"
    rm -f "$record"
    tf "$stack" init -input=false -no-color >"$record.log" 2>&1 || {
        cat "$record.log"
        return 1
    }
    echo "$wanted" >"$record"
}

# Runs `terraform ARGS` in every stack of a stage at once; output is prefixed with the stack's name. The stage's
# status is 1 if any stack failed, else 2 if any plan has changes (-detailed-exitcode), else 0.
run_stage() {
    local stage="$1"
    shift
    local pids=() stack rc=0 r
    for stack in $stage; do
        (
            export AWS_REGION="$(region_of "$stack")" AWS_DEFAULT_REGION="$(region_of "$stack")"
            {
                ensure_init "$stack" || exit 1
                if [[ "$1" == destroy ]]; then
                    listed="$(tf "$stack" state list)" || exit 1
                    if [[ -z "$listed" ]]; then
                        echo "nothing in its state: skipped"
                        exit 0
                    fi
                fi
                if [[ "$stack" == application ]]; then
                    tf "$stack" "$@" -var-file="$APP_VARS"
                else
                    tf "$stack" "$@"
                fi
            } 2>&1 | sed -u "s/^/[$stack] /"
            exit "${PIPESTATUS[0]}"
        ) &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        r=0
        wait "$pid" || r=$?
        if ((r == 2)); then ((rc != 0)) || rc=2; elif ((r != 0)); then rc=1; fi
    done
    return "$rc"
}

apply_all() {
    local stage
    for stage in "${STAGES[@]}"; do
        step "apply: $stage"
        run_stage "$stage" apply -input=false -no-color -auto-approve || return 1
    done
}
plan_all() {
    local stage rc=0 r
    for stage in "${STAGES[@]}"; do
        step "plan: $stage"
        r=0
        run_stage "$stage" plan -input=false -no-color -detailed-exitcode || r=$?
        if ((r == 2)); then ((rc != 0)) || rc=2; elif ((r != 0)); then rc=1; fi
    done
    return "$rc"
}
# Reverse deploy order: a stage goes only once the stages that read from it are gone. A failed stage stops the
# destroy (what it reads from must stay); running it again picks up where it stopped.
destroy_all() {
    local i
    for ((i = ${#STAGES[@]} - 1; i >= 0; i--)); do
        step "destroy: ${STAGES[$i]}"
        run_stage "${STAGES[$i]}" destroy -input=false -no-color -auto-approve || {
            printf 'run.sh: destroy of %s failed: see above; run `run.sh destroy` again to finish\n' "${STAGES[$i]}" >&2
            return 1
        }
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
plan_verdict() {
    case "$1" in
    0) echo "plan: no changes in any stack" ;;
    2) echo "plan: changes pending (see above)" ;;
    *) echo "plan: failed (see above)" ;;
    esac
}

# The applied site through nextstack-edge: the edge stack's distribution (its VPC origin reaches the networking
# stack's ALB, which forwards to the application's ECS task) and the compute stack's cluster, whose service's task
# runs from its task definition with the image standing for the standalone build (the images file). Loads the home
# page and one of its /_next/static scripts (from the data bucket) once; with --serve, serves until Ctrl-C/SIGTERM.
serve_site() {
    local images dist cluster serving site ok=1
    step "serving the site with nextstack-edge"
    images="$("${SITE[@]}" images --repository "$(tf data output -raw ecr_repository_url)" --app-dir "$APP_DIR" --dest "$SCRATCH/image")"
    dist="$("${SITE[@]}" distribution-id --endpoint "$ENDPOINT")"
    cluster="$(tf compute output -raw cluster_name)"
    echo "images file: $images"
    AWS_REGION="${TF_VAR_region:-eu-west-1}" AWS_DEFAULT_REGION="${TF_VAR_region:-eu-west-1}" \
        "${DETACHED[@]}" "$EDGE" serve --endpoint "$ENDPOINT" --distribution-id "$dist" --cluster "$cluster" --images "$images" \
        </dev/null >"$SCRATCH/edge.log" 2>"$SCRATCH/edge.err" &
    EDGE_PID=$!
    for _ in $(seq 1 1200); do
        [[ -s "$SCRATCH/edge.log" ]] && break
        kill -0 "$EDGE_PID" 2>/dev/null || break
        sleep 0.1
    done
    serving="$(head -n1 "$SCRATCH/edge.log")"
    if [[ ! "$serving" =~ ^nextstack-edge:\ serving\ (http://127\.0\.0\.1:[0-9]+)\  ]]; then
        tail -n 40 "$SCRATCH/edge.err" >&2
        die "nextstack-edge did not start (its stderr above; stdout: ${serving:-nothing})"
    fi
    site="${BASH_REMATCH[1]}"
    echo "$serving"
    "${SITE[@]}" load "$site" || ok=0
    if ((!ok)); then
        echo "--- nextstack-edge's stderr (last 40 lines):" >&2
        tail -n 40 "$SCRATCH/edge.err" >&2
    fi
    if ((SERVE)); then
        ((ok)) || echo "run.sh: the home page did not load (above): serving anyway" >&2
        step "serving $site until Ctrl-C (or SIGTERM); then the stacks are destroyed"
        echo "the site:     $site"
        echo "the emulator: AWS_ENDPOINT_URL=$ENDPOINT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
        tail -q -n 0 -F "$SCRATCH/edge.log" "$SCRATCH/edge.err" 2>/dev/null &
        TAIL_PID=$!
        local stopping=0
        trap 'stopping=1' INT TERM
        while ((!stopping)) && kill -0 "$EDGE_PID" 2>/dev/null; do
            wait "$EDGE_PID" 2>/dev/null || true
        done
        trap 'exit 130' INT
        trap 'exit 143' TERM
        ((stopping)) || die "nextstack-edge exited on its own (its output is above)"
        echo
        echo "stopping: destroying the stacks"
    fi
    stop_edge
    ((ok)) || die "the site did not load (see above)"
}

rc=0
case "$COMMAND" in
apply) apply_all && show_outputs || rc=1 ;;
plan)
    plan_all || rc=$?
    plan_verdict "$rc"
    ;;
destroy) destroy_all || rc=1 ;;
up)
    apply_all
    show_outputs
    plan_all || die "a second plan shows changes (exit 2) or failed (exit 1): see above"
    echo "second plan: no changes in any stack"
    serve_site
    destroy_all
    step "checking that nothing is left in moto"
    "${SIX[@]}" leftovers --endpoint "$ENDPOINT" --dns-zone-id "$TF_VAR_hosted_zone_id"
    ;;
esac
step "six-stack $COMMAND finished in $((SECONDS - started)) s$( ((rc == 0)) || echo " (exit $rc)")"
exit "$rc"
