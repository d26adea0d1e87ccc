"""A real PostgreSQL server (Debian's postgresql, installed by tests/toolchain.sh) standing for an RDS instance.

    with PostgresServer(user="postgres", password=..., database="app") as pg:
        pg.port, pg.psql("SELECT 1")

The cluster lives in a fresh temporary directory, made with initdb and run with pg_ctl by an unprivileged user
(PostgreSQL refuses to run as root: `nobody` when the tests run as root, else the current user). It listens on a
free loopback port only (no Unix socket), and, like an instance whose parameter group sets `rds.force_ssl = 1`,
accepts TLS connections only (a self-signed certificate made with openssl; libpq's `sslmode=require` does not verify
it, as with RDS unless the client is given the RDS CA bundle). Its superuser is the master user with the master
password, and the initial database exists, as RDS creates both
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PostgreSQL.html,
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html).
A missing program fails loudly, naming the package.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from nextstack_lab import harness


def bin_dir() -> Path:
    """The newest /usr/lib/postgresql/V/bin with the server's programs."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise harness.HarnessError(
            "PostgreSQL is not installed: /usr/lib/postgresql/*/bin/initdb is missing (Debian package postgresql; run tests/toolchain.sh)")
    return found[-1].parent


class PostgresServer:
    def __init__(self, user: str, password: str, database: str):
        self.user, self.password, self.database = user, password, database
        self.bin = bin_dir()
        self.port = harness.free_port()
        self.dir: Path | None = None
        self._owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self._started = False

    # -------------------------------------------------------------------------------------------- run as the owner
    def _run(self, *argv: str, input: str | None = None, env: dict | None = None) -> str:
        owner = self._owner
        as_owner = dict(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[]) if os.geteuid() == 0 else {}
        done = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=120, cwd=self.dir,
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", **(env or {})}, **as_owner)
        if done.returncode != 0:
            raise harness.HarnessError("%s failed (exit %d):\n%s%s" % (" ".join(argv[:2]), done.returncode, done.stdout, done.stderr))
        return done.stdout

    def start(self) -> "PostgresServer":
        self.dir = Path(tempfile.mkdtemp(prefix="nextstack-pg-"))
        os.chown(self.dir, self._owner.pw_uid, self._owner.pw_gid)
        data, pwfile = self.dir / "data", self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        os.chown(pwfile, self._owner.pw_uid, self._owner.pw_gid)
        pwfile.chmod(0o600)
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", self.user, "--pwfile", str(pwfile),
                  "--auth=scram-sha-256", "--encoding=UTF8", "--no-sync", "--no-instructions")
        pwfile.unlink()
        self._run("/usr/bin/openssl", "req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=127.0.0.1",
                  "-newkey", "rsa:2048", "-keyout", str(data / "server.key"), "-out", str(data / "server.crt"))
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = ''\nssl = on\n"
                       "fsync = off\nsynchronous_commit = off\nmax_connections = 50\n" % self.port)
        # TLS only, as rds.force_ssl = 1: a connection without it finds no hba line and is refused.
        (data / "pg_hba.conf").write_text("hostssl all all 127.0.0.1/32 scram-sha-256\n")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")
        self._started = True
        self.psql("CREATE DATABASE %s" % self.database, database="postgres")
        return self

    def psql(self, sql: str, database: str | None = None) -> str:
        """Runs SQL as the master user over TLS; returns psql's unaligned output."""
        return self._run(str(self.bin / "psql"), "-X", "-v", "ON_ERROR_STOP=1", "-At", "-h", "127.0.0.1",
                         "-p", str(self.port), "-U", self.user, "-d", database or self.database, "-c", sql,
                         env={"PGPASSWORD": self.password, "PGSSLMODE": "require"})

    def log(self) -> str:
        path = self.dir / "server.log" if self.dir else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def stop(self) -> None:
        if self._started:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
            self._started = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> "PostgresServer":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
