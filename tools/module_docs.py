#!/usr/bin/env python3
"""Writes the generated tables of every module README, the way terraform-docs' markdown table does.

For every directory modules/<name>/, reads all its *.tf files and renders, between the markers
`<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` of modules/<name>/README.md, the Requirements,
Providers, Modules, Resources, Inputs and Outputs tables. Everything outside the markers is left as written.

    tools/module_docs.py           rewrite the READMEs whose tables are stale
    tools/module_docs.py --check   exit 1 naming every README that is stale, missing or lacks the markers (CI)

Needs python-hcl2 (pinned in tests/requirements.txt): run it with .tools/venv/bin/python after tests/toolchain.sh.
Started with another Python, it re-runs itself with .tools/venv/bin/python when that exists.

Differences from terraform-docs, on purpose: Inputs are sorted required first, then by name (terraform-docs'
`--sort-by required`); `terraform_data` links to the Terraform language docs and nextstack_* types to the
provider's pages under docs/ (terraform-docs would link both to the public registry).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".tools" / "venv" / "bin" / "python"
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"

try:
    import hcl2
    from hcl2.utils import SerializationOptions
    from lark import Token, Tree
except ImportError as exc:  # pragma: no cover - depends on the interpreter
    # The venv's python is a symlink to a system python: compare prefixes, not executables.
    in_venv = Path(sys.prefix).resolve() == VENV_PYTHON.parents[1].resolve()
    if VENV_PYTHON.is_file() and not in_venv and "NEXTSTACK_MODULE_DOCS_REEXEC" not in os.environ:
        os.environ["NEXTSTACK_MODULE_DOCS_REEXEC"] = "1"
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.stderr.write(
        f"module_docs: ERROR: cannot import python-hcl2 ({exc}).\n"
        "Run tests/toolchain.sh (it installs tests/requirements.txt into .tools/venv), then\n"
        "  .tools/venv/bin/python tools/module_docs.py [--check]\n"
    )
    sys.exit(2)

# Literal values (descriptions, defaults, version constraints) are evaluated by python-hcl2: strings unquoted,
# escapes and heredocs resolved.
VALUES = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    preserve_heredocs=False,
    strip_string_quotes=True,
)

REGISTRY = "https://registry.terraform.io/providers"
TERRAFORM_DATA_URL = "https://developer.hashicorp.com/terraform/language/resources/terraform-data"
NEXTSTACK_DOCS = "../../docs"  # relative to modules/<name>/README.md


class DocsError(Exception):
    pass


# ------------------------------------------------------------------------------------------------ HCL structure


@dataclass
class Block:
    type: str
    labels: list[str]
    attrs: dict[str, str] = field(default_factory=dict)  # name => the expression's source text
    blocks: list["Block"] = field(default_factory=list)

    def value(self, name: str, where: str):
        """The attribute's literal value (None when absent)."""
        src = self.attrs.get(name)
        return None if src is None else evaluate(src, where)

    def children(self, type_: str) -> list["Block"]:
        return [b for b in self.blocks if b.type == type_]


def evaluate(src: str, where: str):
    try:
        return hcl2.loads("v = " + src + "\n", serialization_options=VALUES)["v"]
    except Exception as exc:  # noqa: BLE001 - python-hcl2 raises lark errors of many kinds
        raise DocsError(f"{where}: cannot evaluate {src!r}: {exc}") from exc


def _span(node) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.start_pos, node.end_pos
    return node.meta.start_pos, node.meta.end_pos


def _name(node) -> str:
    """An identifier or a quoted label, as written."""
    if isinstance(node, Tree) and node.data == "string":
        return "".join(str(t) for part in node.children if isinstance(part, Tree) for t in part.children)
    if isinstance(node, Tree):  # identifier, or a keyword used as a name (count, for_each, ...)
        return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))
    return str(node)


def _body(body: Tree | None, text: str) -> tuple[dict[str, str], list[Block]]:
    attrs: dict[str, str] = {}
    blocks: list[Block] = []
    if body is None:
        return attrs, blocks
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = _name(child.children[0])
            start, end = _span(child.children[-1])
            attrs[name] = text[start:end]
        elif child.data == "block":
            kind = _name(child.children[0])
            labels, inner = [], None
            for part in child.children[1:]:
                if isinstance(part, Tree) and part.data in ("identifier", "keyword", "string"):
                    labels.append(_name(part))
                elif isinstance(part, Tree) and part.data == "body":
                    inner = part
            a, b = _body(inner, text)
            blocks.append(Block(kind, labels, a, b))
    return attrs, blocks


def parse_file(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    try:
        tree = hcl2.parses_to_tree(text)
    except Exception as exc:  # noqa: BLE001
        raise DocsError(f"{path.relative_to(ROOT)}: cannot parse: {exc}") from exc
    body = next((c for c in tree.children if isinstance(c, Tree) and c.data == "body"), None)
    return _body(body, text)[1]


# ------------------------------------------------------------------------------------------------ module model


@dataclass
class Module:
    dir: Path
    terraform_versions: list[str] = field(default_factory=list)
    required_providers: dict[str, dict] = field(default_factory=dict)  # name => {source, version}
    modules: list[tuple[str, str, str]] = field(default_factory=list)  # name, source, version
    resources: list[tuple[str, str, str, str]] = field(default_factory=list)  # mode, type, name, provider
    inputs: list[dict] = field(default_factory=list)
    outputs: list[dict] = field(default_factory=list)


def load_module(d: Path) -> Module:
    m = Module(d)
    files = sorted(d.glob("*.tf"))
    if not files:
        raise DocsError(f"{d.relative_to(ROOT)}: no .tf files")
    for path in files:
        where = str(path.relative_to(ROOT))
        for b in parse_file(path):
            if b.type == "terraform":
                v = b.value("required_version", where)
                if v:
                    m.terraform_versions.append(v)
                for rp in b.children("required_providers"):
                    for name in rp.attrs:
                        spec = rp.value(name, where)
                        if isinstance(spec, str):  # legacy `aws = "~> 5.0"`
                            spec = {"version": spec}
                        m.required_providers[name] = spec or {}
            elif b.type == "module":
                m.modules.append((b.labels[0], str(b.value("source", where) or ""), str(b.value("version", where) or "")))
            elif b.type in ("resource", "data"):
                rtype, rname = b.labels[0], b.labels[1]
                provider = rtype.split("_", 1)[0]
                if "provider" in b.attrs:
                    provider = b.attrs["provider"].strip().split(".", 1)[0]
                m.resources.append(("managed" if b.type == "resource" else "data", rtype, rname, provider))
            elif b.type == "variable":
                src_type = b.attrs.get("type")
                if src_type is not None and src_type.lstrip().startswith('"'):
                    src_type = str(evaluate(src_type, where))  # pre-0.12 `type = "string"`
                m.inputs.append(
                    {
                        "name": b.labels[0],
                        "description": b.value("description", where) or "",
                        "type": src_type if src_type is not None else "any",
                        "required": "default" not in b.attrs,
                        "default": b.value("default", where),
                    }
                )
            elif b.type == "output":
                m.outputs.append({"name": b.labels[0], "description": b.value("description", where) or ""})
    return m


# ------------------------------------------------------------------------------------------------ rendering


def esc(name: str) -> str:
    """A name in link text or an anchor reference, with markdown's `_` escaped (as terraform-docs writes it)."""
    return name.replace("_", "\\_")


def anchor(kind: str, name: str) -> str:
    return f'<a name="{kind}_{name}"></a> [{esc(name)}](#{kind}\\_{esc(name)})'


def cell(text: str) -> str:
    """Free text in a table cell: one line, pipes escaped."""
    text = text.strip()
    if not text:
        return "n/a"
    return text.replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br/>")


def code_cell(text: str) -> str:
    """A type or a value: `inline` on one line, <pre> when it spans several (as terraform-docs renders them)."""
    text = text.replace("|", "\\|").replace("\r\n", "\n")
    if "\n" in text:
        return "<pre>" + text.replace("\n", "<br/>") + "</pre>"
    return f"`{text}`"


def default_text(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def resource_link(m: Module, mode: str, rtype: str, provider: str) -> str | None:
    kind = "resources" if mode == "managed" else "data-sources"
    short = rtype.split("_", 1)[1] if "_" in rtype else rtype
    if rtype == "terraform_data":
        return TERRAFORM_DATA_URL
    if provider == "nextstack":
        return f"{NEXTSTACK_DOCS}/{kind}/{short}.md"
    source = str(m.required_providers.get(provider, {}).get("source") or f"hashicorp/{provider}")
    parts = source.split("/")
    if len(parts) == 3:  # host/namespace/type
        if parts[0] != "registry.terraform.io":
            return None
        parts = parts[1:]
    if len(parts) != 2:
        return None
    return f"{REGISTRY}/{parts[0]}/{parts[1]}/latest/docs/{kind}/{short}"


def table(header: list[str], rows: list[list[str]], center_last: bool = False) -> list[str]:
    rule = ["-" * (len(h) + 2) for h in header]  # |------|---------| as terraform-docs writes it
    if center_last:
        rule[-1] = ":" + "-" * len(header[-1]) + ":"
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def render(m: Module) -> str:
    lines: list[str] = []

    def section(title: str, empty: str, header: list[str], rows: list[list[str]], center_last: bool = False):
        if lines:
            lines.append("")
        lines.append(f"## {title}")
        lines.append("")
        lines.extend(table(header, rows, center_last) if rows else [empty])

    reqs = [[anchor("requirement", "terraform"), v] for v in m.terraform_versions]
    for name in sorted(m.required_providers):
        version = m.required_providers[name].get("version")
        if version:  # terraform-docs lists only providers with a version constraint here
            reqs.append([anchor("requirement", name), str(version)])
    section("Requirements", "No requirements.", ["Name", "Version"], reqs)

    used = sorted({r[3] for r in m.resources})
    providers = [[anchor("provider", p), str(m.required_providers.get(p, {}).get("version") or "n/a")] for p in used]
    section("Providers", "No providers.", ["Name", "Version"], providers)

    mods = [[anchor("module", n), cell(s), v or "n/a"] for n, s, v in sorted(m.modules)]
    section("Modules", "No modules.", ["Name", "Source", "Version"], mods)

    # Managed resources first, then data sources; each by type, then name.
    res = []
    for mode, rtype, rname, provider in sorted(m.resources, key=lambda r: (r[0] != "managed", r[1], r[2])):
        url = resource_link(m, mode, rtype, provider)
        label = f"{rtype}.{rname}"
        res.append([f"[{label}]({url})" if url else label, "resource" if mode == "managed" else "data source"])
    section("Resources", "No resources.", ["Name", "Type"], res)

    inputs = []
    for i in sorted(m.inputs, key=lambda i: (not i["required"], i["name"])):
        inputs.append(
            [
                anchor("input", i["name"]),
                cell(i["description"]),
                code_cell(i["type"]),
                "n/a" if i["required"] else code_cell(default_text(i["default"])),
                "yes" if i["required"] else "no",
            ]
        )
    section("Inputs", "No inputs.", ["Name", "Description", "Type", "Default", "Required"], inputs, center_last=True)

    outputs = [[anchor("output", o["name"]), cell(o["description"])] for o in sorted(m.outputs, key=lambda o: o["name"])]
    section("Outputs", "No outputs.", ["Name", "Description"], outputs)

    return "\n".join(lines) + "\n"


def inject(readme: str, block: str, where: str) -> str:
    begin, end = readme.find(BEGIN), readme.find(END)
    if begin < 0 or end < 0 or end < begin or readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise DocsError(f"{where}: needs exactly one {BEGIN} ... {END} pair (the generated tables go between them)")
    return readme[: begin + len(BEGIN)] + "\n" + block + readme[end:]


# ------------------------------------------------------------------------------------------------ main


def module_dirs() -> list[Path]:
    return sorted(d for d in (ROOT / "modules").iterdir() if d.is_dir() and any(d.glob("*.tf")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale READMEs; exit 1 if any")
    args = parser.parse_args(argv)

    problems: list[str] = []
    written: list[str] = []
    for d in module_dirs():
        readme = d / "README.md"
        where = str(readme.relative_to(ROOT))
        try:
            block = render(load_module(d))
            if not readme.is_file():
                raise DocsError(f"{where}: missing (write the prose and the {BEGIN} / {END} markers)")
            old = readme.read_text(encoding="utf-8")
            new = inject(old, block, where)
        except DocsError as exc:
            problems.append(str(exc))
            continue
        if new == old:
            continue
        if args.check:
            problems.append(f"{where}: stale (run tools/module_docs.py)")
        else:
            readme.write_text(new, encoding="utf-8")
            written.append(where)

    for w in written:
        print(f"module_docs: wrote {w}")
    for p in problems:
        print(f"module_docs: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
