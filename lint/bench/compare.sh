#!/usr/bin/env bash
# Benchmark: nextstack-lint against checkov on the same corpus, side by side.
# Prints files, lines, wall time, peak RSS and the ratio; asserts nothing.
#
#   lint/bench/compare.sh CORPUS_DIR
#
# The corpus is not committed. To rebuild the one used in docs/lint/README.md, extract the
# terraform-aws-modules repositories alb, apigateway-v2, cloudfront, ecs, eks, lambda and s3-bucket
# into one directory. checkov (PyPI) is installed into a venv under $BENCH_VENV
# (default: target/bench-venv). The linter is built in release mode.
set -euo pipefail

corpus="${1:?usage: compare.sh CORPUS_DIR}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${BENCH_VENV:-$root/target/bench-venv}"
target="${CARGO_TARGET_DIR:-$root/target}"

echo "== building nextstack-lint (release)" >&2
cargo build --release -q -p nextstack-lint --manifest-path "$root/Cargo.toml"
lint="$target/release/nextstack-lint"

if [ ! -x "$venv/bin/checkov" ]; then
  echo "== installing checkov into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q checkov
fi

files=$(find "$corpus" -path '*/.terraform' -prune -o \( -name '*.tf' -o -name '*.tf.json' \) -print | wc -l)
lines=$(find "$corpus" -path '*/.terraform' -prune -o \( -name '*.tf' -o -name '*.tf.json' \) -print0 | xargs -0 cat | wc -l)

# Runs a command; prints "wall_seconds peak_rss_kib exit_code" using getrusage of the child.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{wall:.3f} {rss} {p.returncode}")
PY
}

echo "== nextstack-lint" >&2
read -r l_wall l_rss l_rc < <(measure "$lint" --format json "$corpus")
echo "== checkov (framework terraform)" >&2
read -r c_wall c_rss c_rc < <(measure "$venv/bin/checkov" -d "$corpus" --framework terraform --quiet --compact -o json)

checkov_version=$("$venv/bin/checkov" --version 2>/dev/null || echo "?")
printf '\ncorpus: %s\nfiles: %s   lines: %s   cores: %s\n\n' "$corpus" "$files" "$lines" "$(nproc)"
printf '%-22s %10s %14s %6s\n' tool "wall (s)" "peak RSS (MiB)" exit
printf '%-22s %10s %14.1f %6s\n' "nextstack-lint" "$l_wall" "$(echo "$l_rss / 1024" | bc -l)" "$l_rc"
printf '%-22s %10s %14.1f %6s\n' "checkov $checkov_version" "$c_wall" "$(echo "$c_rss / 1024" | bc -l)" "$c_rc"
printf '\nratio (checkov / nextstack-lint): wall %.1fx, peak RSS %.1fx\n' \
  "$(echo "$c_wall / $l_wall" | bc -l)" "$(echo "$c_rss / $l_rss" | bc -l)"
