#!/usr/bin/env bash
# Builds the provider's release files in the layout goreleaser-based providers publish and the Terraform
# registry reads:
#
#   terraform-provider-nextstack_<version>_<os>_<arch>.zip   one per target, holding terraform-provider-nextstack_v<version>
#   terraform-provider-nextstack_<version>_SHA256SUMS        sha256 of every zip and of the manifest
#   terraform-provider-nextstack_<version>_SHA256SUMS.sig    detached binary GPG signature of SHA256SUMS
#   terraform-provider-nextstack_<version>_manifest.json     the registry manifest (protocol 6.0)
#
# Usage: tools/release.sh [--no-build] [--no-sign] [--binary TARGET=PATH]... VERSION OUT_DIR [TARGET...]
#   VERSION   1.2.3 or v1.2.3 (a tag name); the leading v is dropped
#   TARGET    linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 (all four when none is given)
#   --no-build  build nothing: only write SHA256SUMS, signature and manifest for the zips already in OUT_DIR
#               (the release workflow builds on several runners, then signs once)
#   --no-sign   write SHA256SUMS but no signature (a build job that never sees the key)
#   --binary TARGET=PATH
#               package PATH as TARGET's binary instead of building it (repeatable): a binary built elsewhere,
#               or, in tests/e2e/test_release.py, the debug build the other tests use, since what it checks
#               (the files, their hashes, the signature, terraform init) does not depend on the build profile;
#               PATH must be an executable of TARGET's os and arch (read from its ELF or Mach-O header)
#
# Signing: NEXTSTACK_GPG_KEY names the key (fingerprint or id) in the keyring GNUPGHOME points at (gpg's default
# keyring when unset); NEXTSTACK_GPG_PASSPHRASE, if set, unlocks it without a pinentry. A missing key is an error.
#
# Cross-compiling: on Linux, the host's own target is built with cargo; every other target with cargo-zigbuild and
# zig from PyPI (`cargo-zigbuild`, `ziglang`), installed once into $NEXTSTACK_CACHE/zig-venv. On macOS, both darwin
# targets are built with cargo and Apple's toolchain. rustup adds the Rust standard library of each target.
# darwin from Linux: every crate compiles with cargo-zigbuild, but the link fails with "unable to find framework
# 'Security'" (and 'CoreFoundation'): the AWS SDK's HTTPS client reads macOS's trust store through
# rustls-native-certs -> security-framework, and zig ships no Apple frameworks (docs/release.md, "How the targets
# are built"). So a darwin target on Linux is refused at once unless SDKROOT names a MacOSX.sdk.
# glibc: zigbuild links linux_arm64 against zig's default glibc; the binary asks for GLIBC_2.30 at most.
#
# Caches, all outside the clone ($NEXTSTACK_CACHE, default ~/.cache/nextstack):
#   zig-venv/         cargo-zigbuild + zig
#   release-target/   cargo's target directory (CARGO_TARGET_DIR wins when set): dependencies are compiled once
#   release-bin/KEY/  finished binaries keyed by sha256 of Cargo.lock, Cargo.toml, provider/, proto/, the rustc
#                     version and the target, so an unchanged source tree is packaged again without compiling.
#                     NEXTSTACK_RELEASE_REBUILD=1 ignores it.
# Compiling runs under `nice -n 19` so that it does not starve other work on the machine.
set -euo pipefail
# Let a failure inside $(...) stop the script too (bash >= 4.4; macOS's bash 3.2 lacks the option).
shopt -s inherit_errexit 2>/dev/null || true

readonly NAME=terraform-provider-nextstack
readonly ALL_TARGETS=(linux_amd64 linux_arm64 darwin_amd64 darwin_arm64)
# The registry manifest: the protocol versions the provider serves (tfplugin6; Terraform >= 1.0).
readonly MANIFEST='{"version":1,"metadata":{"protocol_versions":["6.0"]}}'
# Pinned so that a cached toolchain and CI's agree.
readonly ZIGLANG_VERSION=0.15.1
readonly CARGO_ZIGBUILD_VERSION=0.24.1

die() {
	echo "release.sh: $*" >&2
	exit 1
}

usage() {
	sed -n '10,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

build=1
sign=1
declare -A given_binary=()
while [[ $# -gt 0 && $1 == --* ]]; do
	case $1 in
	--no-build) build=0 ;;
	--no-sign) sign=0 ;;
	--binary)
		[[ $# -ge 2 && $2 == *=* ]] || die "--binary needs TARGET=PATH"
		[[ -x ${2#*=} ]] || die "--binary ${2%%=*}: ${2#*=} is not an executable file"
		given_binary[${2%%=*}]=$(cd "$(dirname "${2#*=}")" && pwd)/$(basename "${2#*=}")
		shift
		;;
	--help) usage ;;
	*) die "unknown option $1" ;;
	esac
	shift
done
[[ $# -ge 2 ]] || usage

version=${1#v}
out_dir=$2
shift 2
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	die "VERSION must look like 1.2.3 or 1.2.3-rc.1 (a leading v is allowed), not '$version'"
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
	[[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${ALL_TARGETS[*]})"
done

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${NEXTSTACK_CACHE:-$HOME/.cache/nextstack}
mkdir -p "$out_dir" "$cache"
out_dir=$(cd "$out_dir" && pwd)

rust_triple() {
	case $1 in
	linux_amd64) echo x86_64-unknown-linux-gnu ;;
	linux_arm64) echo aarch64-unknown-linux-gnu ;;
	darwin_amd64) echo x86_64-apple-darwin ;;
	darwin_arm64) echo aarch64-apple-darwin ;;
	esac
}

# sha256sum on Linux, shasum on macOS: same output format.
sha256() {
	if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

sha256_of() {
	sha256 "$1" | cut -d' ' -f1
}

# Key of a build: everything that goes into the binary.
source_key() {
	local triple=$1
	(
		cd "$repo"
		{
			find Cargo.lock Cargo.toml provider proto -type f ! -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z |
				xargs -0 bash -c 'if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi' sha256
			rustc -vV
			echo "$triple"
		} | sha256 | cut -c1-32
	)
}

zig_toolchain() {
	local venv=$cache/zig-venv
	if ! "$venv/bin/python" -c 'import ziglang' 2>/dev/null || [[ ! -x $venv/bin/cargo-zigbuild ]]; then
		echo "release.sh: installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION and zig $ZIGLANG_VERSION into $venv" >&2
		python3 -m venv "$venv"
		"$venv/bin/pip" install --quiet "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
	fi
	# cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH: put the venv's python first.
	export PATH="$venv/bin:$PATH"
}

build_target() {
	local target=$1 triple host_os host_triple tool key bin cached
	if [[ -n ${given_binary[$target]:-} ]]; then
		echo "release.sh: $target: packaging the given binary ${given_binary[$target]}" >&2
		echo "${given_binary[$target]}"
		return
	fi
	triple=$(rust_triple "$target")
	key=$(source_key "$triple") || die "$target: cannot hash the sources under $repo"
	cached=$cache/release-bin/$key/$NAME
	if [[ -x $cached && ${NEXTSTACK_RELEASE_REBUILD:-0} != 1 ]]; then
		echo "release.sh: $target: sources unchanged, reusing $cached" >&2
		echo "$cached"
		return
	fi
	host_os=$(uname -s)
	host_triple=$(rustc -vV | sed -n 's/^host: //p')
	if [[ $triple == "$host_triple" || $host_os == Darwin ]]; then
		tool=(build)
	elif [[ $host_os == Linux ]]; then
		# The darwin binaries link Apple's Security and CoreFoundation frameworks (rustls-native-certs, under the
		# AWS SDK's HTTPS client, reads the keychain's trust settings). zig ships no macOS SDK and no package
		# registry may carry one (Apple's licence), so fail now rather than after a full compile.
		if [[ $target == darwin_* && -z ${SDKROOT:-} ]]; then
			die "$target: cross-linking for macOS needs Apple's SDK (frameworks Security, CoreFoundation): build on macOS, or set SDKROOT to a MacOSX.sdk"
		fi
		zig_toolchain
		tool=(zigbuild)
	else
		die "$target: cannot cross-compile from $host_os"
	fi
	rustup target list --installed | grep -qx "$triple" || rustup target add "$triple" >&2
	echo "release.sh: $target: cargo ${tool[*]} --release --target $triple" >&2
	(
		cd "$repo"
		CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/release-target} \
			nice -n 19 cargo "${tool[@]}" --locked --release -p "$NAME" --bin "$NAME" --target "$triple" >&2
	) || die "$target: cargo ${tool[*]} failed (output above)"
	bin=${CARGO_TARGET_DIR:-$cache/release-target}/$triple/release/$NAME
	[[ -x $bin ]] || die "$target: cargo reported success but $bin is missing"
	mkdir -p "$(dirname "$cached")"
	cp "$bin" "$cached.tmp"
	mv "$cached.tmp" "$cached"
	echo "$cached"
}

# The os_arch an executable is for, from its header: ELF e_machine (EM_X86_64 0x3e, EM_AARCH64 0xb7) or 64-bit
# Mach-O cputype (CPU_TYPE_X86_64 0x01000007, CPU_TYPE_ARM64 0x0100000c). Anything else is described, not named.
binary_platform() {
	python3 - "$1" <<'EOF'
import sys
with open(sys.argv[1], "rb") as f:
    head = f.read(20)
if head[:4] == b"\x7fELF" and len(head) == 20:
    machine = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
    print("linux_" + {0x3E: "amd64", 0xB7: "arm64"}.get(machine, "machine-0x%x" % machine))
elif head[:4] == b"\xcf\xfa\xed\xfe":
    cpu = int.from_bytes(head[4:8], "little")
    print("darwin_" + {0x01000007: "amd64", 0x0100000C: "arm64"}.get(cpu, "cputype-0x%x" % cpu))
else:
    print("neither ELF nor 64-bit Mach-O")
EOF
}

# A zip holding one executable, byte-for-byte the same for the same binary (fixed timestamp, fixed order),
# so the zip's zh: hash in users' lock files is reproducible.
write_zip() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys, zipfile
binary, member, dest = sys.argv[1:]
info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = (0o100755 << 16)  # a regular file, rwxr-xr-x: Terraform keeps the mode when it unpacks
info.create_system = 3  # Unix, so the mode above is honoured
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f, zipfile.ZipFile(dest + ".tmp", "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
import os
os.replace(dest + ".tmp", dest)
EOF
}

if [[ $build == 1 ]]; then
	for target in "${targets[@]}"; do
		bin=$(build_target "$target")
		# A zip named for one platform holding another's binary would install, then fail with "exec format error".
		platform=$(binary_platform "$bin")
		[[ $platform == "$target" ]] || die "$target: $bin is a $platform executable, not $target"
		zip=$out_dir/${NAME}_${version}_${target}.zip
		write_zip "$bin" "${NAME}_v${version}" "$zip"
		echo "release.sh: $target: $(basename "$zip") ($(wc -c <"$bin") byte binary)" >&2
	done
fi

manifest=${NAME}_${version}_manifest.json
printf '%s\n' "$MANIFEST" >"$out_dir/$manifest"

# SHA256SUMS covers every zip of this version in OUT_DIR (builds on other runners included) and the manifest.
sums=${NAME}_${version}_SHA256SUMS
(
	cd "$out_dir"
	shopt -s nullglob
	zips=("${NAME}_${version}"_*_*.zip)
	[[ ${#zips[@]} -gt 0 ]] || die "no ${NAME}_${version}_*.zip in $out_dir"
	for f in "${zips[@]}" "$manifest"; do
		printf '%s  %s\n' "$(sha256_of "$f")" "$f"
	done | LC_ALL=C sort -k2 >"$sums.tmp"
	mv "$sums.tmp" "$sums"
)

rm -f "$out_dir/$sums.sig"
if [[ $sign == 1 ]]; then
	[[ -n ${NEXTSTACK_GPG_KEY:-} ]] ||
		die "NEXTSTACK_GPG_KEY is not set: name the signing key (and GNUPGHOME its keyring), or pass --no-sign"
	gpg_args=(--batch --yes --local-user "$NEXTSTACK_GPG_KEY" --detach-sign --output "$out_dir/$sums.sig")
	if [[ -n ${NEXTSTACK_GPG_PASSPHRASE:-} ]]; then
		gpg "${gpg_args[@]}" --pinentry-mode loopback --passphrase-fd 0 "$out_dir/$sums" <<<"$NEXTSTACK_GPG_PASSPHRASE"
	else
		gpg "${gpg_args[@]}" "$out_dir/$sums"
	fi
	gpg --batch --verify "$out_dir/$sums.sig" "$out_dir/$sums" 2>/dev/null ||
		die "the signature just made does not verify"
fi

echo "release.sh: wrote $out_dir" >&2
(cd "$out_dir" && ls -l "${NAME}_${version}"_*) >&2
