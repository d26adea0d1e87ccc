"""The Django API of the lambda-django-rds layout (tests/django-app) against a real PostgreSQL (nextstack_lab.postgres,
Debian's server standing for the RDS instance: TLS only, the master user and password, the `app` database), run the
way its task definition runs it: settings from the same environment variable names, `python manage.py migrate
--noinput` (the migration task's command), then `gunicorn config.wsgi` (the service's command, bound to a free
loopback port instead of 0.0.0.0:8000).

    test_django_api_migrates_and_answers_from_postgres
        a missing setting stops the program naming it; migrate creates the table; the health check answers; a note
        POSTed is read back by GET, from PostgreSQL 15 over TLS; bad input is a 400 naming what is wrong; a
        request for another host is refused (DJANGO_ALLOWED_HOSTS).

Cheap (about 10 s): no Terraform, no moto. The layout's end-to-end test serves the same program through the edge.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request

from nextstack_lab import django_app, harness
from nextstack_lab.postgres import PostgresServer

HOST = "api.example.com"


def call(url, method="GET", body=None, host=HOST):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Host": host, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_django_api_migrates_and_answers_from_postgres(tmp_path):
    venv = django_app.venv_bin()
    password = harness.watch_secret("master password", secrets.token_urlsafe(24))
    with PostgresServer(user="postgres", password=password, database="app") as pg:
        env = {
            "PATH": "%s:/usr/bin:/bin" % venv, "DB_HOST": "127.0.0.1", "DB_PORT": str(pg.port), "DB_NAME": "app",
            "DB_SSLMODE": "require", "DJANGO_ALLOWED_HOSTS": HOST, "DB_USER": "postgres", "DB_PASSWORD": password,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        }
        run = lambda *argv, e=env: subprocess.run(argv, cwd=django_app.APP_DIR, env=e, capture_output=True, text=True, timeout=120)  # noqa: E731

        missing = run("python", "manage.py", "migrate", "--noinput", e={k: v for k, v in env.items() if k != "DB_PASSWORD"})
        assert missing.returncode != 0 and "the environment variable DB_PASSWORD is not set" in missing.stderr, missing

        migrated = run("python", "manage.py", "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert "Applying notes.0001_initial... OK" in migrated.stdout
        assert pg.psql("SELECT count(*) FROM notes_note") == "0\n"

        port = harness.free_port()
        server = subprocess.Popen(["gunicorn", "config.wsgi", "--bind", "127.0.0.1:%d" % port, "--workers", "1"],
                                  cwd=django_app.APP_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            url = "http://127.0.0.1:%d" % port
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body = call(url + "/health/")
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            assert (status, body) == (200, "ok")

            text = "written at %s" % secrets.token_hex(4)
            status, body = call(url + "/api/notes/", "POST", {"text": text})
            assert status == 201, body
            created = json.loads(body)
            assert created["text"] == text and created["database"]["ssl"] is True
            assert created["database"]["server"].startswith("PostgreSQL 15"), created
            status, body = call(url + "/api/notes/")
            assert status == 200 and json.loads(body)["notes"] == [{"id": created["id"], "text": text}]
            assert pg.psql("SELECT id, text FROM notes_note") == "%d|%s\n" % (created["id"], text)

            status, body = call(url + "/api/notes/", "POST", {"words": "x"})
            assert (status, json.loads(body)) == (400, {"error": 'the body must be JSON {"text": "..."}'})
            status, _ = call(url + "/api/notes/", host="evil.example.net")
            assert status == 400
        finally:
            server.terminate()
            output = server.communicate(timeout=30)[0]
        assert password not in output
