#!/usr/bin/env bash
# Builds the test app with the real OpenNext (@opennextjs/aws) and checks the output. See README.md.
#
#   tests/nextjs-app/build.sh [OUT_DIR]
#
# Without OUT_DIR the build stays in tests/nextjs-app/.open-next/; with it, .open-next/ is moved to OUT_DIR
# (which must be absent, empty, or a previous build: it is replaced).
#
# With NEXTSTACK_OUTPUT=standalone it runs `next build` with output: "standalone" instead (next.config.mjs reads
# the variable; OpenNext is not run) and OUT_DIR becomes an app directory: OUT_DIR/.next (without .next/cache)
# and a copy of public/ (what nextstack_nextjs_site publishes with build_kind "standalone"; the server is
# .next/standalone/server.js). Without OUT_DIR the build stays in tests/nextjs-app/.next/.
#
# Environment:
#   NEXTSTACK_OUTPUT           opennext (default) or standalone
#   NEXTSTACK_VARIANT=2        change one page (/about: its HTML/RSC and its client chunk); default 1
#   NEXTSTACK_BUILD_ID         the Next.js build id (default nextstack-test-1)
#   NEXTSTACK_CACHE            where installed node_modules are kept (default ${XDG_CACHE_HOME:-~/.cache}/nextstack)
#   NEXTSTACK_FETCH_PORT       port of the local server for the tagged fetch (default 38917; the fetch-cache key
#                              depends on the URL, so keep it fixed to compare builds)
#   NEXTSTACK_REQUIRE_SHARP=1  fail when image-optimization-function/ has no node_modules (sharp not downloaded)
#   NEXTSTACK_OPENNEXT_CONFIG=DIR  build with the open-next.config.ts (and the .ts files it imports) in DIR, e.g.
#                              modules/lambda-previews/opennext; copied into the app for the build, removed after
#
# Needs node >= 18.18 and npm, and the npm registry for the first install of a given package-lock.json (and for
# the sharp download OpenNext does for the image optimization function; without it that function lacks sharp).
set -euo pipefail

APP="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
OUT="${1:-}"
VARIANT="${NEXTSTACK_VARIANT:-1}"
BUILD_ID="${NEXTSTACK_BUILD_ID:-nextstack-test-1}"
PORT="${NEXTSTACK_FETCH_PORT:-38917}"
CACHE_ROOT="${NEXTSTACK_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nextstack}"

say() { printf 'nextjs-app: %s\n' "$*" >&2; }
die() {
    printf '\nnextjs-app: ERROR: %s\n\n' "$*" >&2
    exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

case "${OUT}" in
-h | --help)
    sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
[[ $# -le 1 ]] || die "usage: $0 [OUT_DIR]"
[[ "$VARIANT" =~ ^[12]$ ]] || die "NEXTSTACK_VARIANT must be 1 or 2 (got '$VARIANT')"
[[ "$BUILD_ID" =~ ^[A-Za-z0-9._-]+$ ]] || die "NEXTSTACK_BUILD_ID must match [A-Za-z0-9._-]+ (got '$BUILD_ID')"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "NEXTSTACK_FETCH_PORT must be a port number (got '$PORT')"
OUTPUT="${NEXTSTACK_OUTPUT:-opennext}"
[[ "$OUTPUT" == opennext || "$OUTPUT" == standalone ]] || die "NEXTSTACK_OUTPUT must be opennext or standalone (got '$OUTPUT')"
[[ "$OUTPUT" == opennext || -z "${NEXTSTACK_OPENNEXT_CONFIG:-}" ]] || die "NEXTSTACK_OPENNEXT_CONFIG is for OpenNext builds, not NEXTSTACK_OUTPUT=standalone"
CONFIG_DIR="${NEXTSTACK_OPENNEXT_CONFIG:-}"
if [[ -n "$CONFIG_DIR" ]]; then
    [[ -f "$CONFIG_DIR/open-next.config.ts" ]] || die "NEXTSTACK_OPENNEXT_CONFIG=$CONFIG_DIR has no open-next.config.ts"
    CONFIG_DIR="$(cd "$CONFIG_DIR" && pwd -P)"
fi

# ---------------------------------------------------------------- node and npm
command -v node >/dev/null 2>&1 ||
    die "node not found on PATH: the test app needs Node.js >= 18.18 (20 or 22 recommended) with npm, e.g. from https://nodejs.org or the distribution's nodejs package"
command -v npm >/dev/null 2>&1 ||
    die "npm not found on PATH (node is $(command -v node)): install npm alongside Node.js"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 18) ? 0 : 1)' ||
    die "Node.js $(node --version) is too old: Next.js 15 needs >= 18.18"
say "node $(node --version), npm $(npm --version)"

# Resolve OUT_DIR before anything is built, and refuse to replace a directory that is not a build.
if [[ -n "$OUT" ]]; then
    mkdir -p "$(dirname "$OUT")"
    OUT="$(cd "$(dirname "$OUT")" && pwd -P)/$(basename "$OUT")"
    case "$OUT" in
    / | "$APP" | "$APP"/* | "${HOME:-/}") die "refusing OUT_DIR $OUT" ;;
    esac
    if [[ -e "$OUT" && ! -f "$OUT/open-next.output.json" && ! -f "$OUT/.next/BUILD_ID" && -n "$(ls -A "$OUT" 2>/dev/null)" ]]; then
        die "OUT_DIR $OUT exists and is neither empty nor a build: not replacing it"
    fi
fi

# ---------------------------------------------------------------- node_modules (cached outside the clone)
# One directory per package-lock.json (and platform: the lock holds native packages for every platform, npm
# installs only this one's). npm ci runs there once, into a temporary directory that is renamed when complete,
# so an interrupted install is never reused. The tree is then hard-linked into tests/nextjs-app/node_modules
# (a real directory: Next.js' output tracing and OpenNext's bundling need node_modules inside the app; a
# symlink would resolve outside it). Hard links take about a second for ~400 MB; across filesystems it copies.
LOCK_SHA="$(sha256sum "$APP/package-lock.json" | cut -c1-64)"
KEY="nextjs-app-${LOCK_SHA}-$(node -p 'process.platform + "-" + process.arch')"
CACHE="$CACHE_ROOT/$KEY"
STAMP="$APP/node_modules/.nextstack-cache-key"

install_cache() {
    local t0 tmp
    t0="$(now)"
    say "installing node_modules with npm ci into $CACHE (first build for this package-lock.json)"
    mkdir -p "$CACHE_ROOT"
    tmp="$(mktemp -d "$CACHE_ROOT/.$KEY.XXXXXX")"
    cp "$APP/package.json" "$APP/package-lock.json" "$tmp/"
    if ! (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >&2); then
        rm -rf "$tmp"
        die "npm ci failed (is the npm registry reachable? npm config get registry: $(npm config get registry))"
    fi
    : >"$tmp/.complete"
    if ! mv -T "$tmp" "$CACHE" 2>/dev/null; then
        rm -rf "$tmp" # another build finished the same install first
        [[ -f "$CACHE/.complete" ]] || die "could not move the install to $CACHE"
    fi
    say "npm ci: $(since "$t0")"
}

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$KEY" ]]; then
    say "node_modules already in place ($KEY)"
else
    [[ -f "$CACHE/.complete" ]] || install_cache
    t0="$(now)"
    rm -rf "$APP/node_modules" "$APP/node_modules.tmp"
    if ! cp -al "$CACHE/node_modules" "$APP/node_modules.tmp" 2>/dev/null; then
        rm -rf "$APP/node_modules.tmp"
        say "hard links not possible ($CACHE is on another filesystem): copying node_modules"
        cp -a "$CACHE/node_modules" "$APP/node_modules.tmp"
    fi
    printf '%s\n' "$KEY" >"$APP/node_modules.tmp/.nextstack-cache-key"
    mv -T "$APP/node_modules.tmp" "$APP/node_modules"
    say "node_modules linked from $CACHE: $(since "$t0")"
fi

# ---------------------------------------------------------------- local server for the tagged fetch
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    for f in "${COPIED_CONFIG[@]}"; do rm -f "$APP/$f"; done
}
COPIED_CONFIG=()
trap cleanup EXIT

node "$APP/scripts/fetch-server.mjs" "$APP/fixtures/articles.json" "$PORT" "$WORK/ready" &
SERVER_PID=$!
for _ in $(seq 100); do
    [[ -f "$WORK/ready" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the fetch server did not start (port $PORT; see the message above)"
    sleep 0.1
done
[[ -f "$WORK/ready" ]] || die "the fetch server did not start within 10 s"
FETCH_URL="http://127.0.0.1:$PORT/articles.json"

# ---------------------------------------------------------------- build
cd "$APP"
rm -rf .next .open-next
if [[ -n "$CONFIG_DIR" ]]; then
    for f in "$CONFIG_DIR"/*.ts; do
        name="$(basename "$f")"
        [[ ! -e "$APP/$name" ]] || die "$APP/$name exists: not overwriting it with $f"
        COPIED_CONFIG+=("$name")
        cp "$f" "$APP/$name"
    done
    say "OpenNext configuration from $CONFIG_DIR: ${COPIED_CONFIG[*]}"
fi
if [[ "$OUTPUT" == standalone ]]; then
    say "next build, output standalone (variant $VARIANT, build id $BUILD_ID, fetch $FETCH_URL)"
    t0="$(now)"
    # The same fixed Server Actions key as the OpenNext build below (see there).
    if ! env NEXT_TELEMETRY_DISABLED=1 \
        NEXTSTACK_OUTPUT=standalone \
        NEXTSTACK_VARIANT="$VARIANT" \
        NEXTSTACK_BUILD_ID="$BUILD_ID" \
        NEXTSTACK_FETCH_URL="$FETCH_URL" \
        NEXT_SERVER_ACTIONS_ENCRYPTION_KEY="${NEXT_SERVER_ACTIONS_ENCRYPTION_KEY:-bmV4dHN0YWNrLXRlc3QtYXBwLWZpeGVkLWtleS0zMmI=}" \
        npx --no-install next build >&2; then
        die "next build failed (output above)"
    fi
    say "next build: $(since "$t0")"
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""

    N="$APP/.next"
    problems=()
    [[ -f "$N/BUILD_ID" ]] || problems+=("missing .next/BUILD_ID")
    if [[ -f "$N/BUILD_ID" && "$(cat "$N/BUILD_ID")" != "$BUILD_ID" ]]; then
        problems+=(".next/BUILD_ID is '$(cat "$N/BUILD_ID")', expected '$BUILD_ID'")
    fi
    [[ -n "$(find "$N/standalone" -name server.js -not -path '*/node_modules/*' 2>/dev/null | head -1)" ]] ||
        problems+=("no .next/standalone/**/server.js (is output: \"standalone\" set by next.config.mjs?)")
    [[ -d "$N/static/chunks" ]] || problems+=("missing directory .next/static/chunks")
    [[ -f "$N/static/$BUILD_ID/_buildManifest.js" ]] || problems+=("missing .next/static/$BUILD_ID/_buildManifest.js")
    if ((${#problems[@]})); then
        printf 'nextjs-app:   %s\n' "${problems[@]}" >&2
        die "the standalone output in $N is incomplete (${#problems[@]} problem(s) above)"
    fi
    rm -rf "$N/cache" # the build's own compiler cache: not part of what is deployed
    say "output: .next $(du -sh "$N" | cut -f1), static $(find "$N/static" -type f | wc -l) files, public $(find "$APP/public" -type f | wc -l) files"
    B="$APP"
    if [[ -n "$OUT" ]]; then
        rm -rf "$OUT"
        mkdir -p "$OUT"
        mv -T "$N" "$OUT/.next"
        cp -a "$APP/public" "$OUT/public"
        B="$OUT"
    fi
    say "build ready: $B"
    printf '%s\n' "$B"
    exit 0
fi

say "open-next build (variant $VARIANT, build id $BUILD_ID, fetch $FETCH_URL)"
t0="$(now)"
# The Server Actions key is fixed too (Next.js generates one per build otherwise): it salts the action ids of
# app/guestbook/actions.js, which are in the guestbook's client chunk and the server manifests, so rebuilds of the
# same sources keep them (and the published chunk) identical. Not a secret: this app is never deployed for real.
if ! env NEXT_TELEMETRY_DISABLED=1 \
    NEXTSTACK_VARIANT="$VARIANT" \
    NEXTSTACK_BUILD_ID="$BUILD_ID" \
    NEXTSTACK_FETCH_URL="$FETCH_URL" \
    NEXT_SERVER_ACTIONS_ENCRYPTION_KEY="${NEXT_SERVER_ACTIONS_ENCRYPTION_KEY:-bmV4dHN0YWNrLXRlc3QtYXBwLWZpeGVkLWtleS0zMmI=}" \
    npx --no-install open-next build >&2; then
    die "open-next build failed (output above)"
fi
say "open-next build: $(since "$t0")"

kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

# ---------------------------------------------------------------- check the output
B="$APP/.open-next"
problems=()
need() { [[ -e "$B/$1" ]] || problems+=("missing $1"); }
need_nonempty_dir() {
    if [[ ! -d "$B/$1" ]]; then
        problems+=("missing directory $1")
    elif [[ -z "$(ls -A "$B/$1")" ]]; then problems+=("empty directory $1"); fi
}
need open-next.output.json
need assets/BUILD_ID
need_nonempty_dir assets/_next/static
need_nonempty_dir "cache/$BUILD_ID"
need_nonempty_dir "cache/__fetch/$BUILD_ID"
need dynamodb-provider/dynamodb-cache.json
need_nonempty_dir server-functions/default
need server-functions/default/middleware.mjs
need assets/favicon.ico
need assets/robots.txt
need assets/images/logo.png
need assets/images/landscape.png
if [[ -f "$B/assets/BUILD_ID" && "$(cat "$B/assets/BUILD_ID")" != "$BUILD_ID" ]]; then
    problems+=("assets/BUILD_ID is '$(cat "$B/assets/BUILD_ID")', expected '$BUILD_ID'")
fi
if [[ -f "$B/dynamodb-provider/dynamodb-cache.json" ]]; then
    for tag in articles tagged-time; do
        node -e '
            const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
            if (!rows.some((r) => r.tag && r.tag.S === process.argv[2] + "/" + process.argv[3]))
                { console.error(`dynamodb-cache.json has no row for the tag "${process.argv[3]}"`); process.exit(1); }' \
            "$B/dynamodb-provider/dynamodb-cache.json" "$BUILD_ID" "$tag" || problems+=("dynamodb-cache.json lacks the $tag tag")
    done
fi
if ((${#problems[@]})); then
    printf 'nextjs-app:   %s\n' "${problems[@]}" >&2
    die "the OpenNext output in $B is incomplete (${#problems[@]} problem(s) above)"
fi

if [[ -d "$B/image-optimization-function/node_modules/sharp" ]]; then
    say "image-optimization-function has node_modules with sharp"
else
    msg="image-optimization-function has no node_modules/sharp (OpenNext's sharp download failed: no registry?)"
    [[ "${NEXTSTACK_REQUIRE_SHARP:-}" == 1 ]] && die "$msg"
    say "WARNING: $msg"
fi

say "output: $(du -sh "$B" | cut -f1) in $(find "$B" -type f | wc -l) files"
for d in "$B"/*/; do
    printf 'nextjs-app:   %-32s %6s %6s files\n' "$(basename "$d")/" "$(du -sh "$d" | cut -f1)" "$(find "$d" -type f | wc -l)" >&2
done

if [[ -n "$OUT" ]]; then
    rm -rf "$OUT"
    mv -T "$B" "$OUT"
    B="$OUT"
fi
say "build ready: $B"
printf '%s\n' "$B"
