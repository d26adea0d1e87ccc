"""tools/release.sh: the release files install through `terraform init` as a user gets them.

The release for linux_amd64 (this machine's platform) is built once per session by the real script, signed with a
throwaway GPG key, then served to Terraform 1.15.5 and 1.0.3 two ways:
  - a filesystem mirror in the packed layout (the zip itself under registry.terraform.io/nextstack/nextstack/);
  - a network mirror (index.json + <version>.json listing the zip with its zh: hash) behind a local HTTPS server,
    since Terraform accepts only https:// network mirror URLs; its self-signed certificate is trusted through
    SSL_CERT_FILE, which Go's TLS stack reads on Linux;
  - and, to see the signature checked and zh: hashes locked, as a provider registry at localhost:PORT serves it
    (service discovery, versions, download document with SHA256SUMS, its signature and the public key).
The lock file's hashes are checked against hashes computed here (zh: = sha256 of the zip, as listed in SHA256SUMS;
h1: = Go's dirhash "Hash1" of the unpacked zip), then `terraform plan` runs the installed provider against moto.

The zip holds the provider binary the other end-to-end tests use (the debug build), given to the script with
`--binary linux_amd64=PATH`: what is checked here (the files, their hashes, the signature, what `terraform init`
installs and runs) does not depend on the build profile, and a cold release build with whole-program LTO takes
most of an hour on two cores, more than CI can spend. The release build itself runs in the release workflow
(.github/workflows/release.yml); its size and start-up figures are in docs/release.md.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import http.server
import json
import os
import re
import ssl
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest

from nextstack_lab import harness

NAME = "terraform-provider-nextstack"
PLATFORM = "linux_amd64"
RELEASE_SCRIPT = harness.REPO_ROOT / "tools" / "release.sh"
# A release build is long; tests/pytest.ini's per-test limit excludes fixtures, this bounds the build itself.
BUILD_TIMEOUT = float(os.environ.get("NEXTSTACK_RELEASE_TIMEOUT", "3600"))


# ------------------------------------------------------------------------------------------------ hashes


def zh_hash(zip_path: Path) -> str:
    """Terraform's legacy "zh:" hash: sha256 of the zip file, hex."""
    return "zh:" + hashlib.sha256(zip_path.read_bytes()).hexdigest()


def h1_hash(zip_path: Path) -> str:
    """Terraform's "h1:" hash of a provider package: golang.org/x/mod/sumdb/dirhash Hash1 over the files the zip
    unpacks to. Hash1 is sha256 over the lines "<hex sha256 of file>  <slash path>\\n" in sorted path order,
    base64 (standard alphabet, padded)."""
    lines = []
    with zipfile.ZipFile(zip_path) as z:
        names = sorted(info.filename for info in z.infolist() if not info.is_dir())
        for name in names:
            assert "\n" not in name, "dirhash refuses file names with newlines: %r" % name
            lines.append("%s  %s\n" % (hashlib.sha256(z.read(name)).hexdigest(), name))
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def locked_hashes(workdir: Path, source: str = harness.PROVIDER_SOURCE) -> tuple[str, list[str]]:
    """(version, hashes) of the provider `source` in the working directory's .terraform.lock.hcl."""
    text = (workdir / ".terraform.lock.hcl").read_text()
    block = re.search(r'provider "%s" \{(.*?)\n\}' % re.escape(source), text, re.S)
    assert block, "no %s block in the lock file:\n%s" % (source, text)
    version = re.search(r'version\s*=\s*"([^"]+)"', block.group(1)).group(1)
    hashes = re.findall(r'"((?:h1|zh):[^"]+)"', block.group(1))
    return version, hashes


# ------------------------------------------------------------------------------------------------ the release


class Release:
    def __init__(self, version: str, out_dir: Path, gnupghome: Path, build_seconds: float):
        self.version = version
        self.dir = out_dir
        self.gnupghome = gnupghome
        self.build_seconds = build_seconds

    @property
    def zip(self) -> Path:
        return self.dir / ("%s_%s_%s.zip" % (NAME, self.version, PLATFORM))

    @property
    def sums(self) -> Path:
        return self.dir / ("%s_%s_SHA256SUMS" % (NAME, self.version))

    @property
    def manifest(self) -> Path:
        return self.dir / ("%s_%s_manifest.json" % (NAME, self.version))

    def sums_table(self) -> dict[str, str]:
        """{file name: sha256 hex} from SHA256SUMS."""
        out = {}
        for line in self.sums.read_text().splitlines():
            digest, name = line.split("  ", 1)
            out[name] = digest
        return out


def run_script(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(RELEASE_SCRIPT), *args],
        cwd=harness.REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def throwaway_key(gnupghome: Path) -> str:
    """A passphrase-less RSA signing key in a new keyring (as a release job imports its real key); its fingerprint."""
    gnupghome.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(gnupghome)}
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "nextstack release test <release@test.invalid>",
         "rsa3072", "sign", "1d"],
        env=env, check=True, capture_output=True, timeout=120,
    )
    listing = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--list-secret-keys"], env=env, check=True, capture_output=True,
        text=True,
    ).stdout
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))


@pytest.fixture(scope="module")
def release(request, tmp_path_factory, provider_binary) -> Release:
    root = tmp_path_factory.mktemp("release")
    gnupghome = root / "gnupg"
    # gpg starts an agent for the keyring that outlives it: stop it with the module's tests.
    request.addfinalizer(lambda: subprocess.run(["gpgconf", "--homedir", str(gnupghome), "--kill", "all"],
                                                capture_output=True, timeout=30))
    try:
        fingerprint = throwaway_key(gnupghome)
    except FileNotFoundError:
        pytest.fail("gpg not found: install Debian's gnupg (tests/toolchain.sh does)", pytrace=False)
    version = harness.provider_version()
    out_dir = root / "dist"
    started = time.monotonic()
    proc = run_script(
        "--binary", "%s=%s" % (PLATFORM, provider_binary), version, str(out_dir), PLATFORM,
        env={"GNUPGHOME": str(gnupghome), "NEXTSTACK_GPG_KEY": fingerprint},
        timeout=BUILD_TIMEOUT,
    )
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        pytest.fail("tools/release.sh failed (exit %d):\n%s" % (proc.returncode, harness._tail(proc.stderr, 120)),
                    pytrace=False)
    print("tools/release.sh %s %s took %.1f s" % (version, PLATFORM, seconds))
    return Release(version, out_dir, gnupghome, seconds)


# ------------------------------------------------------------------------------------------------ mirrors


def packed_filesystem_mirror(release: Release, root: Path) -> Path:
    pkg_dir = root / harness.PROVIDER_SOURCE
    pkg_dir.mkdir(parents=True)
    (pkg_dir / release.zip.name).write_bytes(release.zip.read_bytes())
    return root


def network_mirror_tree(release: Release, root: Path) -> Path:
    """The provider network mirror protocol's files: index.json lists versions, <version>.json the archives."""
    pkg_dir = root / harness.PROVIDER_SOURCE
    pkg_dir.mkdir(parents=True)
    (pkg_dir / release.zip.name).write_bytes(release.zip.read_bytes())
    (pkg_dir / "index.json").write_text(json.dumps({"versions": {release.version: {}}}))
    archives = {PLATFORM: {"url": release.zip.name, "hashes": [zh_hash(release.zip)]}}
    (pkg_dir / ("%s.json" % release.version)).write_text(json.dumps({"archives": archives}))
    return root


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (SANs: Go checks SANs only) and its key, as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nextstack test mirror")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        ), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "mirror.crt", directory / "mirror.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class HttpsMirror:
    """Serves a directory over HTTPS on 127.0.0.1 and records the paths asked for."""

    def __init__(self, directory: Path, cert: Path, key: Path):
        self.requested: list[str] = []
        requested = self.requested

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args):
                requested.append(self.path)

        handler = functools.partial(Handler, directory=str(directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def cli_config(path: Path, installation: str) -> Path:
    """A CLI config whose only installation method for nextstack/nextstack is `installation` (nothing direct)."""
    path.write_text("disable_checkpoint = true\n\nprovider_installation {\n%s\n}\n" % installation)
    return path


CONFIG = """
terraform {
  required_providers {
    nextstack = {
      source  = "%(source)s"
      version = "%(version)s"
    }
  }
}

provider "nextstack" {
  region = "eu-west-1"
}

data "nextstack_ssm_parameters" "published" {
  names = ["/release-check/origin"]
}

resource "nextstack_ssm_parameters" "copy" {
  path_prefix = "/release-check/copy/"
  values      = { origin = data.nextstack_ssm_parameters.published.values["/release-check/origin"] }
}
"""


def install_and_plan(version: str, workdir: Path, config: Path, release: Release, aws, extra_env=None,
                     source: str = harness.PROVIDER_SOURCE):
    """`terraform init` from the mirror `config` names, the lock file's hashes checked; then a plan against moto
    that reads a parameter through the installed provider. Returns the locked hashes."""
    env = harness.terraform_env(config, aws.endpoint)
    env.update(extra_env or {})
    tf = harness.Terraform(version, workdir, env)
    tf.write(CONFIG % {"version": release.version, "source": source})
    result = tf.init()
    assert result.rc == 0, "terraform init failed:\n%s\n%s" % (result.stdout, result.stderr)

    locked_version, hashes = locked_hashes(workdir, source)
    assert locked_version == release.version
    expected_zh = "zh:" + release.sums_table()[release.zip.name]
    assert zh_hash(release.zip) == expected_zh, "SHA256SUMS does not list the zip's own sha256"
    assert h1_hash(release.zip) in hashes, "lock file %s lacks the package's h1: %s" % (hashes, h1_hash(release.zip))
    listed = ["zh:" + digest for digest in release.sums_table().values()]
    for h in hashes:
        assert h == h1_hash(release.zip) or h in listed, "lock file holds a hash of something else: %s" % h

    installed = workdir / ".terraform" / "providers" / source / release.version / PLATFORM
    with zipfile.ZipFile(release.zip) as z:
        packaged = z.read("%s_v%s" % (NAME, release.version))
    binary = installed / ("%s_v%s" % (NAME, release.version))
    assert binary.read_bytes() == packaged, "Terraform installed something other than the zip's binary"
    assert os.access(binary, os.X_OK), "the installed provider is not executable (the zip lost its mode)"

    aws.client("ssm").put_parameter(Name="/release-check/origin", Value="from-the-release", Type="String")
    plan = tf.plan()
    assert plan.rc == 0, "terraform plan failed:\n%s\n%s" % (plan.stdout, plan.stderr)
    assert re.search(r'"?origin"?\s+=\s+"from-the-release"', plan.stdout), plan.stdout
    assert "1 to add, 0 to change, 0 to destroy" in plan.stdout, plan.stdout
    return hashes


# ------------------------------------------------------------------------------------------------ tests


def test_release_files_are_in_the_registry_layout(release):
    names = sorted(p.name for p in release.dir.iterdir())
    prefix = "%s_%s" % (NAME, release.version)
    assert names == sorted(
        [prefix + "_" + PLATFORM + ".zip", prefix + "_SHA256SUMS", prefix + "_SHA256SUMS.sig", prefix + "_manifest.json"]
    )
    assert json.loads(release.manifest.read_text()) == {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}

    sums = release.sums_table()
    assert set(sums) == {release.zip.name, release.manifest.name}
    for name, digest in sums.items():
        assert hashlib.sha256((release.dir / name).read_bytes()).hexdigest() == digest, name

    with zipfile.ZipFile(release.zip) as z:
        infos = z.infolist()
    assert [i.filename for i in infos] == ["%s_v%s" % (NAME, release.version)]
    assert (infos[0].external_attr >> 16) & 0o777 == 0o755

    sig = release.dir / (release.sums.name + ".sig")
    verify = subprocess.run(
        ["gpg", "--batch", "--verify", str(sig), str(release.sums)],
        env={**os.environ, "GNUPGHOME": str(release.gnupghome)}, capture_output=True, text=True,
    )
    assert verify.returncode == 0, verify.stderr
    assert "Good signature" in verify.stderr
    assert not sig.read_bytes().startswith(b"-----BEGIN"), "the registry wants a binary signature, not armour"


def test_release_zip_is_reproducible(release, tmp_path, provider_binary):
    """Packaging the same binary again gives the same zip bytes, so users' zh: hashes do not churn."""
    proc = run_script("--no-sign", "--binary", "%s=%s" % (PLATFORM, provider_binary), release.version, str(tmp_path),
                      PLATFORM, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert "packaging the given binary" in proc.stderr, proc.stderr
    assert (tmp_path / release.zip.name).read_bytes() == release.zip.read_bytes()
    assert not (tmp_path / (release.sums.name + ".sig")).exists()


def test_release_script_refuses_bad_input(release, tmp_path, provider_binary):
    bad_version = run_script("1.2", str(tmp_path))
    assert bad_version.returncode != 0 and "VERSION must look like 1.2.3" in bad_version.stderr
    bad_target = run_script(release.version, str(tmp_path), "windows_amd64")
    assert bad_target.returncode != 0 and "unknown target 'windows_amd64'" in bad_target.stderr
    no_binary = run_script("--binary", "linux_amd64=%s" % (tmp_path / "missing"), release.version, str(tmp_path))
    assert no_binary.returncode != 0 and "is not an executable file" in no_binary.stderr, no_binary.stderr
    # This machine's binary offered as another platform's: refused from its ELF header, before any zip is named.
    wrong_arch = run_script("--no-sign", "--binary", "linux_arm64=%s" % provider_binary, release.version,
                            str(tmp_path / "wrong"), "linux_arm64")
    assert wrong_arch.returncode != 0, wrong_arch.stderr
    assert "is a %s executable, not linux_arm64" % PLATFORM in wrong_arch.stderr, wrong_arch.stderr
    assert not list((tmp_path / "wrong").glob("*.zip"))
    # zig has no macOS SDK: a darwin target on Linux stops at once, saying what is missing, not after a full compile.
    darwin = run_script("--no-sign", release.version, str(tmp_path), "darwin_arm64", env={"SDKROOT": ""})
    assert darwin.returncode != 0 and "needs Apple's SDK" in darwin.stderr, darwin.stderr
    # Signing without a key names the variable that is missing.
    (tmp_path / release.zip.name).write_bytes(release.zip.read_bytes())
    env = {"NEXTSTACK_GPG_KEY": ""}
    no_key = run_script("--no-build", release.version, str(tmp_path), env=env)
    assert no_key.returncode != 0 and "NEXTSTACK_GPG_KEY is not set" in no_key.stderr
    empty = tmp_path / "empty"
    no_zip = run_script("--no-build", "--no-sign", release.version, str(empty))
    assert no_zip.returncode != 0 and "no %s_%s_*.zip" % (NAME, release.version) in no_zip.stderr


@pytest.mark.parametrize("version", harness.TF_VERSIONS)
def test_init_installs_from_a_packed_filesystem_mirror(version, release, aws, tmp_path):
    mirror = packed_filesystem_mirror(release, tmp_path / "mirror")
    config = cli_config(
        tmp_path / "terraformrc",
        '  filesystem_mirror {\n    path    = %s\n    include = [%s]\n  }'
        % (json.dumps(str(mirror)), json.dumps(harness.PROVIDER_SOURCE)),
    )
    hashes = install_and_plan(version, tmp_path / "work", config, release, aws)
    # A local archive carries no hash list of its own: Terraform records the h1: it computes from the package.
    assert h1_hash(release.zip) in hashes


@pytest.mark.parametrize("version", harness.TF_VERSIONS)
def test_init_installs_from_an_https_network_mirror(version, release, aws, tmp_path):
    tree = network_mirror_tree(release, tmp_path / "mirror")
    cert, key = self_signed_cert(tmp_path)
    server = HttpsMirror(tree, cert, key)
    try:
        config = cli_config(
            tmp_path / "terraformrc",
            '  network_mirror {\n    url     = %s\n    include = [%s]\n  }'
            % (json.dumps(server.url), json.dumps(harness.PROVIDER_SOURCE)),
        )
        hashes = install_and_plan(version, tmp_path / "work", config, release, aws, {"SSL_CERT_FILE": str(cert)})
    finally:
        server.stop()
    # The mirror's zh: authenticated the download (a wrong one fails init: see the next test), but only hashes a
    # registry vouches for with a signed SHA256SUMS are recorded, so the lock file holds the computed h1: alone.
    assert hashes == [h1_hash(release.zip)]
    pkg = "/" + harness.PROVIDER_SOURCE + "/"
    assert pkg + "index.json" in server.requested and pkg + release.zip.name in server.requested, server.requested


def registry_tree(release: Release, root: Path, host: str) -> Path:
    """The provider registry protocol's answers for this release, as static files (one version, one platform):
    service discovery, the version list, and the download document pointing at the release's own SHA256SUMS, its
    signature and the public half of the key that made it."""
    env = {**os.environ, "GNUPGHOME": str(release.gnupghome)}
    colons = subprocess.run(["gpg", "--batch", "--with-colons", "--list-keys"], env=env, check=True,
                            capture_output=True, text=True).stdout
    key_id = next(line.split(":")[4] for line in colons.splitlines() if line.startswith("pub:"))
    armor = subprocess.run(["gpg", "--batch", "--armor", "--export", key_id], env=env, check=True,
                           capture_output=True, text=True).stdout
    base = "https://%s" % host
    (root / ".well-known").mkdir(parents=True)
    (root / ".well-known" / "terraform.json").write_text(json.dumps({"providers.v1": "/v1/providers/"}))
    api = root / "v1" / "providers" / "nextstack" / "nextstack"
    (api / release.version / "download" / "linux").mkdir(parents=True)
    (api / "versions").write_text(json.dumps({"versions": [
        {"version": release.version, "protocols": ["6.0"], "platforms": [{"os": "linux", "arch": "amd64"}]}]}))
    (api / release.version / "download" / "linux" / "amd64").write_text(json.dumps({
        "protocols": ["6.0"], "os": "linux", "arch": "amd64", "filename": release.zip.name,
        "download_url": "%s/files/%s" % (base, release.zip.name),
        "shasums_url": "%s/files/%s" % (base, release.sums.name),
        "shasums_signature_url": "%s/files/%s.sig" % (base, release.sums.name),
        "shasum": release.sums_table()[release.zip.name],
        "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]},
    }))
    files = root / "files"
    files.mkdir()
    for f in (release.zip, release.sums, release.dir / (release.sums.name + ".sig")):
        (files / f.name).write_bytes(f.read_bytes())
    return root


@pytest.mark.parametrize("version", harness.TF_VERSIONS)
def test_init_from_a_registry_verifies_the_signature_and_locks_zh(version, release, aws, tmp_path):
    """Served as a registry serves it, Terraform checks SHA256SUMS.sig against the published key and records the
    zh: hashes SHA256SUMS lists beside the h1: it computes."""
    cert, key = self_signed_cert(tmp_path)
    (tmp_path / "registry").mkdir()
    server = HttpsMirror(tmp_path / "registry", cert, key)
    host = "localhost:%d" % server.server.server_address[1]
    try:
        registry_tree(release, tmp_path / "registry", host)
        config = cli_config(tmp_path / "terraformrc", "  direct {}")
        hashes = install_and_plan(version, tmp_path / "work", config, release, aws, {"SSL_CERT_FILE": str(cert)},
                                  source="%s/nextstack/nextstack" % host)
    finally:
        server.stop()
    # Terraform takes every line of the signed SHA256SUMS (the zip's and the manifest's), unfiltered.
    listed = ["zh:" + digest for digest in release.sums_table().values()]
    assert "zh:" + release.sums_table()[release.zip.name] == zh_hash(release.zip)
    assert sorted(hashes) == sorted([h1_hash(release.zip)] + listed)


def test_network_mirror_with_a_wrong_zh_hash_is_refused(release, aws, tmp_path):
    """The zh: a network mirror lists is checked against the zip it serves (so the hash above is a real one)."""
    tree = network_mirror_tree(release, tmp_path / "mirror")
    listing = tree / harness.PROVIDER_SOURCE / ("%s.json" % release.version)
    wrong = "zh:" + hashlib.sha256(b"not the zip").hexdigest()
    listing.write_text(listing.read_text().replace(zh_hash(release.zip), wrong))
    cert, key = self_signed_cert(tmp_path)
    server = HttpsMirror(tree, cert, key)
    try:
        config = cli_config(
            tmp_path / "terraformrc",
            '  network_mirror {\n    url = %s\n  }' % json.dumps(server.url),
        )
        env = harness.terraform_env(config, aws.endpoint)
        env["SSL_CERT_FILE"] = str(cert)
        tf = harness.Terraform(harness.TF_LATEST, tmp_path / "work", env)
        tf.write(CONFIG % {"version": release.version, "source": "nextstack/nextstack"})
        result = tf.init()
    finally:
        server.stop()
    output = " ".join((result.stdout + result.stderr).replace("│", " ").split())
    assert result.rc != 0
    assert "checksum" in output.lower() or "does not match" in output, output


def test_network_mirror_over_plain_http_is_refused(release, aws, tmp_path):
    """Terraform requires https:// for a network mirror, which is why the test above serves TLS."""
    config = cli_config(
        tmp_path / "terraformrc",
        '  network_mirror {\n    url = "http://127.0.0.1:9/"\n  }',
    )
    tf = harness.Terraform(harness.TF_LATEST, tmp_path / "work", harness.terraform_env(config, aws.endpoint))
    tf.write(CONFIG % {"version": release.version, "source": "nextstack/nextstack"})
    result = tf.init()
    output = result.stdout + result.stderr
    assert result.rc != 0
    assert "the mirror must be at an https: URL" in " ".join(output.replace("│", " ").split()), output
