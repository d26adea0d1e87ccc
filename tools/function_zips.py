#!/usr/bin/env python3
"""Zips the Lambda functions shipped with the modules and examples, byte for byte reproducibly.

Every directory `.../functions/<name>/` under modules/ and examples/ becomes `.../functions/<name>.zip` beside it
(what the modules' `filename` points at): files in sorted order, fixed timestamps and permissions, so the same
sources always give the same zip and the same `source_code_hash`.

    tools/function_zips.py           rewrite the zips that differ from their sources
    tools/function_zips.py --check   exit 1 naming every zip that is missing or stale (CI)
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold


def function_dirs() -> list[Path]:
    found = []
    for top in ("modules", "examples"):
        for d in sorted((ROOT / top).glob("**/functions/*/")):
            if d.is_dir() and ".terraform" not in d.parts:
                found.append(d)
    return found


def build(src: Path) -> bytes:
    """The zip of every file under src, paths relative to it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), date_time=EPOCH)
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            info.create_system = 3  # unix, so the permissions above are read
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale or missing zips")
    args = parser.parse_args(argv)
    stale = []
    for src in function_dirs():
        target = src.parent / (src.name + ".zip")
        want = build(src)
        if target.is_file() and target.read_bytes() == want:
            continue
        stale.append(target.relative_to(ROOT))
        if not args.check:
            target.write_bytes(want)
    if args.check and stale:
        print("stale or missing function zips (run tools/function_zips.py):", file=sys.stderr)
        for path in stale:
            print("  %s" % path, file=sys.stderr)
        return 1
    for path in stale:
        print("wrote %s" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
