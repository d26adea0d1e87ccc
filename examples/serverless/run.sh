#!/usr/bin/env bash
# The serverless quickstart: OpenNext's serverless layout (examples/serverless/site over modules/nextjs-serverless)
# applied against a local AWS emulator (moto) and served on 127.0.0.1 by nextstack-edge, so that a real Next.js
# site answers in a browser. No AWS account is needed.
#
#   examples/serverless/run.sh                  builds the test app (tests/nextjs-app) with OpenNext, starts moto,
#                                               applies the layout, serves it with nextstack-edge, loads the home
#                                               page once, destroys and checks that nothing is left
#   examples/serverless/run.sh --serve          the same, but keeps serving until Ctrl-C (or SIGTERM), then destroys
#   examples/serverless/run.sh --build-dir DIR  deploys your own app instead of the test app: DIR is the .open-next
#                                               directory that `npx @opennextjs/aws build` writes (it has
#                                               open-next.output.json); combines with --serve
#
# It prints `endpoint: http://127.0.0.1:PORT`, the emulator (the AWS CLI and SDKs reach it with
# AWS_ENDPOINT_URL=that AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test), and nextstack-edge's line
# `nextstack-edge: serving http://127.0.0.1:PORT (DISTRIBUTION_ID)`, the site, followed by one access-log line
# per request. The emulator and everything deployed into it live only as long as this script.
#
# Needs what tests/toolchain.sh needs (it runs it: Terraform, moto, an arm64 Node.js under qemu-user for the image
# function) and cargo; the test app's build needs Node.js >= 18.18 with npm and is cached under
# ~/.cache/nextstack/builds (NEXTSTACK_CACHE), so only the first run builds it (a few minutes, silent until done).
# Scratch state (the layout's copy, Terraform's state, the function zips, logs) is in a temporary directory removed
# at the end; KEEP_SCRATCH=1 keeps it. NEXTSTACK_TF_VERSION=1.11.4 runs the machine's Terraform 1.11.4 instead of
# 1.15.5. The site's other variables may come from TF_VAR_* (e.g. TF_VAR_server_environment='{"SITE_NAME":"x"}',
# your app's own settings); build_dir, zip_dir, wait_for_deployment and force_destroy are set by the script.
set -euo pipefail

EXAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$EXAMPLE/../.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
LAB="$ROOT/tests/lab"  # the test lab's package, nextstack_lab
HARNESS="$LAB/nextstack_lab/harness.py"
# The layout helpers import the package: they run as modules with tests/lab on the path.
SIX=(env PYTHONPATH="$LAB" "$PY" -m nextstack_lab.six_stack)
REGION=eu-west-1
started=$SECONDS

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
usage_error() {
    printf 'run.sh: %s\nusage: examples/serverless/run.sh [--serve] [--build-dir DIR]   (--help for more)\n' "$*" >&2
    exit 2
}
step() { printf '\n==> %s\n' "$*"; }
die() {
    printf 'run.sh: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- arguments (checked before anything is built)
SERVE=0
BUILD_DIR=""
while (($#)); do
    case "$1" in
    -h | --help)
        usage
        exit 0
        ;;
    --serve) SERVE=1 ;;
    --build-dir)
        (($# >= 2)) || usage_error "--build-dir needs a directory (the .open-next directory of an OpenNext build)"
        BUILD_DIR="$2"
        shift
        ;;
    --build-dir=*) BUILD_DIR="${1#--build-dir=}" ;;
    *) usage_error "unknown argument: $1" ;;
    esac
    shift
done
if [[ -n "$BUILD_DIR" ]]; then
    [[ -d "$BUILD_DIR" ]] || usage_error "--build-dir $BUILD_DIR: no such directory (expected the .open-next directory of \`npx @opennextjs/aws build\`)"
    if [[ ! -f "$BUILD_DIR/open-next.output.json" ]]; then
        hint=""
        [[ -f "$BUILD_DIR/.open-next/open-next.output.json" ]] && hint="; did you mean $BUILD_DIR/.open-next?"
        usage_error "--build-dir $BUILD_DIR has no open-next.output.json: it is not an OpenNext build (pass the .open-next directory that \`npx @opennextjs/aws build\` writes$hint)"
    fi
    BUILD_DIR="$(cd "$BUILD_DIR" && pwd)"
fi

# ---------------------------------------------------------------- tools and builds
step "toolchain"
"$ROOT/tests/toolchain.sh"
TF="$("$PY" "$HARNESS" terraform-path "${NEXTSTACK_TF_VERSION:-1.15.5}")"
echo "terraform: $("$TF" version 2>/dev/null | head -n1)"
NODE_ARM64="$(cat "$ROOT/.tools/node-arm64")"

step "building the provider and nextstack-edge"
PROVIDER="$(cd "$ROOT" && "$PY" "$HARNESS" build-provider)"
EDGE="$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from nextstack_lab import harness
try:
    print(harness.build_edge(live=True))
except harness.HarnessError as exc:
    sys.exit("run.sh: %s" % exc)' "$LAB")"
echo "provider: $PROVIDER"
echo "nextstack-edge: $EDGE"

if [[ -n "$BUILD_DIR" ]]; then
    step "your OpenNext build"
    echo "build: $BUILD_DIR"
else
    step "building the test app with OpenNext (tests/nextjs-app; cached: only a first run or a changed app builds)"
    t0=$SECONDS
    # The build the browser tests serve (OpenNext's streaming wrapper), from the same cache.
    BUILD_DIR="$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); from nextstack_lab import harness, nextjs_builds
from pathlib import Path
try:
    print(nextjs_builds.build("s1", config=Path(sys.argv[2])))
except harness.HarnessError as exc:
    sys.exit("run.sh: %s" % exc)' "$LAB" "$ROOT/tests/nextjs-app/opennext-streaming")"
    echo "build: $BUILD_DIR ($((SECONDS - t0)) s)"
fi

# ---------------------------------------------------------------- scratch, processes, teardown
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/nextstack-serverless.XXXXXX")"
exec 3>&1 4>&2 # the script's own stdout and stderr, for cleanup()
echo "scratch: $SCRATCH"
MOTO_PID=""
EDGE_PID=""
TAIL_PIDS=() # tail -F of the edge's output while --serve serves
ENDPOINT=""
APPLY_STARTED=0
TORN_DOWN=0
INTERRUPTS=0

# moto and the edge run in their own sessions, so that a Ctrl-C at the terminal reaches this script (and the
# Terraform it runs) but not them: the destroy that follows still has its emulator. If this script is killed
# outright, the kernel sends them SIGTERM (setpriv --pdeathsig).
# (A plain command, not a function: `cmd &` then execs it, and $! is its pid.)
DETACHED=(setsid)
if setpriv --help 2>/dev/null | grep -q -- --pdeathsig; then DETACHED=(setsid setpriv --pdeathsig TERM --); fi

stop_pid() { # stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (10)
    local pid="$1" i
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < ${2:-10} * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

stop_edge() {
    local pid
    for pid in "${TAIL_PIDS[@]}"; do stop_pid "$pid" 1; done
    TAIL_PIDS=()
    if [[ -n "$EDGE_PID" ]]; then
        stop_pid "$EDGE_PID"
        EDGE_PID=""
        echo "nextstack-edge stopped"
    fi
}

tf() { "$TF" -chdir="$LAYOUT" "$@"; }

# tf_logged LOG ARGS...: terraform ARGS with its output in LOG, shown (its diagnostics) only if it fails.
tf_logged() {
    local log="$1"
    shift
    tf "$@" >"$log" 2>&1 && return 0
    if grep -q '^╷' "$log"; then sed -n '/^╷/,$p' "$log" >&2; else tail -n 60 "$log" >&2; fi
    echo "run.sh: terraform $1 failed (above; the whole output: $log, kept with KEEP_SCRATCH=1)" >&2
    return 1
}

# Destroys what the apply created (once), then checks that nothing is left in moto; if the destroy did not
# finish (it failed, or a second Ctrl-C stopped it), says what is left.
teardown() {
    TORN_DOWN=1
    # From here on a signal only counts: the teardown runs to its end (a Ctrl-C still reaches Terraform, which
    # stops its destroy; the teardown then says what is left).
    trap 'INTERRUPTS=$((INTERRUPTS + 1)); echo "run.sh: interrupted during the teardown" >&2' INT TERM
    stop_edge
    ((APPLY_STARTED)) || return 0
    step "destroy"
    local before=$INTERRUPTS
    # A saved destroy plan, applied: the progress without the plan's 2,000 lines (kept in destroy-plan.log).
    if tf_logged "$SCRATCH/destroy-plan.log" plan -destroy -input=false -no-color -out="$SCRATCH/destroy.tfplan" &&
        tf apply -input=false -no-color "$SCRATCH/destroy.tfplan" && ((INTERRUPTS == before)); then
        step "checking that nothing is left in moto"
        TMPDIR="$SCRATCH" "${SIX[@]}" leftovers --endpoint "$ENDPOINT"
        return $? # explicit: a bare `return` in the EXIT trap would return the status the script exited with
    fi
    {
        echo
        if ((INTERRUPTS > before)); then
            echo "run.sh: the destroy was interrupted before it finished. What is left:"
        else
            echo "run.sh: the destroy failed (see above). What is left:"
        fi
        echo "--- in Terraform's state ($LAYOUT/terraform.tfstate):"
        tf state list 2>/dev/null | grep -v -e '^data\.' -e '\.data\.' | sed 's/^/  /' || true
        echo "--- in the emulator:"
        TMPDIR="$SCRATCH" "${SIX[@]}" leftovers --endpoint "$ENDPOINT" 2>&1 | sed 's/^/  /' || true
        echo "run.sh: all of it lives only in the emulator, which stops now with this script: nothing of it survives."
    } >&2
    return 1
}

cleanup() {
    local rc=$?
    trap - EXIT
    # A signal's trap can run inside a redirected function (tf_logged, tf init > init.log): write to the terminal.
    exec 1>&3 2>&4
    trap 'INTERRUPTS=$((INTERRUPTS + 1))' INT TERM
    if ((!TORN_DOWN)); then
        if ((APPLY_STARTED)); then
            echo >&2
            echo "run.sh: stopped (exit $rc): destroying what was applied (Ctrl-C again to stop the destroy)" >&2
        fi
        teardown || rc=1
        ((rc != 0)) || rc=1
    fi
    if [[ -n "$MOTO_PID" ]]; then
        stop_pid "$MOTO_PID"
        echo "moto stopped"
    fi
    if [[ "${KEEP_SCRATCH:-}" == 1 ]]; then echo "scratch directory kept: $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- moto
step "starting moto (the AWS emulator)"
CLI_CONFIG="$("$PY" "$HARNESS" setup --provider "$PROVIDER" --dir "$SCRATCH")"
"${DETACHED[@]}" "$PY" "$HARNESS" moto --endpoint-file "$SCRATCH/moto.endpoint" --log-dir "$SCRATCH" </dev/null &
MOTO_PID=$!
for _ in $(seq 1 600); do
    [[ -s "$SCRATCH/moto.endpoint" ]] && break
    kill -0 "$MOTO_PID" 2>/dev/null || die "moto failed to start (log: $SCRATCH/moto.log)"
    sleep 0.1
done
[[ -s "$SCRATCH/moto.endpoint" ]] || die "moto did not become ready in 60 s"
ENDPOINT="$(cat "$SCRATCH/moto.endpoint")"
# This emulator and nothing else: no AWS_* of the caller's (a profile, a service's own endpoint) applies.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^AWS_' || true)
eval "$("$PY" "$HARNESS" env --endpoint "$ENDPOINT" --cli-config "$CLI_CONFIG" --region "$REGION")"
echo "endpoint: $ENDPOINT"

# ---------------------------------------------------------------- apply
# A scratch copy of the layout: the emulator's state dies with it, so no state may stay in the repository.
mkdir -p "$SCRATCH/layout/examples/serverless"
cp -r "$ROOT/modules" "$SCRATCH/layout/modules"
cp -r "$EXAMPLE/site" "$SCRATCH/layout/examples/serverless/site"
rm -rf "$SCRATCH/layout/examples/serverless/site/.terraform" "$SCRATCH/layout/examples/serverless/site/.terraform.lock.hcl" \
    "$SCRATCH/layout/examples/serverless/site/"terraform.tfstate*
LAYOUT="$SCRATCH/layout/examples/serverless/site"

export TF_VAR_build_dir="$BUILD_DIR"
export TF_VAR_zip_dir="$SCRATCH/zips"        # never inside the build (the cache's, or yours)
export TF_VAR_wait_for_deployment=false      # the emulator's distribution is deployed at once
export TF_VAR_force_destroy=true             # pages the site regenerated while it was served go with the buckets

step "terraform init"
tf init -input=false -no-color >"$SCRATCH/init.log" 2>&1 || {
    cat "$SCRATCH/init.log" >&2
    die "terraform init failed (above)"
}
echo "initialised (log: $SCRATCH/init.log)"

step "apply: examples/serverless/site"
# A saved plan, applied: the progress without the plan's 2,000 lines (kept in plan.log).
tf_logged "$SCRATCH/plan.log" plan -input=false -no-color -out="$SCRATCH/site.tfplan" || exit 1
grep '^Plan:' "$SCRATCH/plan.log"
APPLY_STARTED=1
tf apply -input=false -no-color "$SCRATCH/site.tfplan"
DISTRIBUTION_ID="$(tf output -raw distribution_id)"

# ---------------------------------------------------------------- serve
step "serving distribution $DISTRIBUTION_ID with nextstack-edge"
AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 NEXTSTACK_EDGE_NODE_ARM64="$NODE_ARM64" \
    "${DETACHED[@]}" "$EDGE" serve --distribution-id "$DISTRIBUTION_ID" --endpoint "$ENDPOINT" \
    </dev/null >"$SCRATCH/edge.log" 2>"$SCRATCH/edge.err" &
EDGE_PID=$!
for _ in $(seq 1 1200); do
    [[ -s "$SCRATCH/edge.log" ]] && break
    kill -0 "$EDGE_PID" 2>/dev/null || break
    sleep 0.1
done
SERVING="$(head -n1 "$SCRATCH/edge.log")"
if [[ ! "$SERVING" =~ ^nextstack-edge:\ serving\ (http://127\.0\.0\.1:[0-9]+)\  ]]; then
    tail -n 40 "$SCRATCH/edge.err" >&2
    die "nextstack-edge did not start (its stderr above; stdout: ${SERVING:-nothing})"
fi
SITE="${BASH_REMATCH[1]}"
cat "$SCRATCH/edge.err" # its notes at start (what it does not model, e.g. the web ACL)
echo "$SERVING"

step "loading the home page"
home_ok=1
"$PY" - "$SITE/" <<'EOF' || home_ok=0
import html, re, sys, time, urllib.error, urllib.request

url = sys.argv[1]
started = time.monotonic()
try:
    with urllib.request.urlopen(url, timeout=120) as resp:
        status, reason, headers, body, final = resp.status, resp.reason, resp.headers, resp.read(), resp.url
except urllib.error.HTTPError as err:
    status, reason, headers, body, final = err.code, err.reason, err.headers, err.read(), err.url
except (urllib.error.URLError, OSError) as err:
    sys.exit("home page: GET %s failed: %s" % (url, err))
took = time.monotonic() - started
match = re.search(rb"<title[^>]*>(.*?)</title>", body, re.S | re.I)
title = html.unescape(match.group(1).decode("utf-8", "replace")).strip() if match else "(no <title>)"
print("home page: %d %s, title %r, X-Cache: %s, %.1f s" % (status, reason, title, headers.get("x-cache", "-"), took))
if final != url:
    print("  (redirected to %s)" % final)
sys.exit(0 if status == 200 else 1)
EOF
for _ in $(seq 1 20); do # its access-log line is written as the response ends
    (($(wc -l <"$SCRATCH/edge.log") > 1)) && break
    sleep 0.1
done
tail -n +2 "$SCRATCH/edge.log" # the access log so far
if ((!home_ok)); then
    echo "--- nextstack-edge's stderr (last 40 lines):" >&2
    tail -n 40 "$SCRATCH/edge.err" >&2
fi

if ((SERVE)); then
    ((home_ok)) || echo "run.sh: the home page did not answer 200 (above): serving anyway" >&2
    # The edge's output from here on, from byte offsets taken before the lines below are printed (not `tail -n 0`,
    # which starts wherever the files end when tail gets to open them): a request made as soon as the site is
    # announced still gets its access-log line shown.
    log_from=$(($(stat -c %s "$SCRATCH/edge.log") + 1))
    err_from=$(($(stat -c %s "$SCRATCH/edge.err") + 1))
    step "serving $SITE until Ctrl-C (or SIGTERM); then the site is destroyed"
    echo "the site:     $SITE"
    echo "the emulator: AWS_ENDPOINT_URL=$ENDPOINT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test (e.g. for aws cloudfront create-invalidation)"
    tail -c "+$log_from" -F "$SCRATCH/edge.log" 2>/dev/null &
    TAIL_PIDS+=($!)
    tail -c "+$err_from" -F "$SCRATCH/edge.err" 2>/dev/null &
    TAIL_PIDS+=($!)
    stopping=0
    trap 'stopping=1' INT TERM
    while ((!stopping)) && kill -0 "$EDGE_PID" 2>/dev/null; do
        wait "$EDGE_PID" 2>/dev/null || true
    done
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if ((!stopping)); then
        EDGE_PID=""
        die "nextstack-edge exited on its own (its output is above)"
    fi
    echo
    echo "stopping: destroying the site (Ctrl-C again to stop the destroy)"
fi

if ! teardown; then
    ((INTERRUPTS == 0)) || exit 130
    die "the teardown did not finish: see above"
fi
stop_pid "$MOTO_PID"
MOTO_PID=""
echo "moto stopped"
((home_ok || SERVE)) || die "the home page did not answer 200 (see above)"
step "serverless finished in $((SECONDS - started)) s"
