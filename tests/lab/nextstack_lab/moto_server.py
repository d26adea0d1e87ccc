"""moto_server with the test lab's fixes for the emulator (nextstack_lab.moto_patches) applied first.

    PYTHONPATH=tests/lab python -m nextstack_lab.moto_server -H 127.0.0.1 -p PORT   # same arguments as moto_server

Reads the address the server is started with (URLs the patches hand out point there), applies every registered
patch, then runs moto's server main exactly as the `moto_server` console script does. harness.MotoServer starts it.
"""

from __future__ import annotations

import re
import sys

from nextstack_lab.moto_patches import apply_all
from nextstack_lab.moto_patches._support import _read_server_arguments

if __name__ == "__main__":
    _read_server_arguments(sys.argv[1:])
    apply_all()
    from moto.server import main

    # What the moto_server console script runs.
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
