#!/usr/bin/env python3
"""Writes the provider's registry docs (docs/index.md, docs/resources, docs/data-sources, docs/ephemeral-resources,
docs/list-resources, docs/functions) from the schema the built provider serves, the files under examples/ and one template per page.

    tools/provider_docs.py                     build the provider, rewrite every stale page
    tools/provider_docs.py --check             exit 1 naming every page that is stale, missing or has no schema
    tools/provider_docs.py --provider BIN      use that binary instead of building one
    tools/provider_docs.py --root DIR          read templates/ and examples/ and write docs/ under DIR (default:
                                               the repository)

The schema is what Terraform itself reports (`terraform providers schema -json`, Terraform 1.15.5 from
.tools/bin, the provider installed from a filesystem mirror in a temporary directory), so a page shows exactly
the attributes, nesting, sensitivity and write-only flags a user's Terraform sees. Provider functions come from
the same JSON's `functions` (`terraform metadata functions -json` lists only Terraform's built-in functions).

The pages follow the layout of the public registry (the one tfplugindocs writes): front matter with page_title,
subcategory and description; `# name (Type)`; the description; `## Example Usage`; `## Schema` with
`### Required`, `### Optional`, `### Read-Only` and a `### Nested Schema for \\`x\\`` section (with an anchor) per
block or object-typed attribute; a resource with an identity (Terraform >= 1.12) gets `## Identity Schema` after
its schema; a list resource's schema is its `config` block; functions get `## Signature` and `## Arguments`.

Templates (templates/resources/<name>.md.tmpl, templates/data-sources/..., templates/ephemeral-resources/...,
templates/list-resources/..., templates/functions/<name>.md.tmpl, templates/index.md.tmpl; <name> without the `nextstack_` prefix) hold the
prose that is not in the schema. A page without a template gets the default layout. In a template:

    {{ .Name }}  {{ .Type }}  {{ .ProviderName }}  {{ .Description }}  {{ .Summary }}
    {{ .SchemaMarkdown }}                the `## Schema` section
    {{ .FunctionSignatureMarkdown }}     a function's signature, in a ```text block
    {{ .FunctionArgumentsMarkdown }}     a function's numbered arguments
    {{ tffile "examples/x/main.tf" }}    that file (path from the root) in a ```terraform block
    {{ codefile "shell" "path" }}        that file in a block of the given language
    {{ X | trimspace }}, {{ X | plainmarkdown }}, {{ X | prefixlines "  " }}   filters, applied left to right

Anything else between double braces is an error naming the template and line.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lab"))

from nextstack_lab import harness  # noqa: E402 - builds the provider and writes Terraform's CLI config

PROVIDER_NAME = "nextstack"
TYPE_PREFIX = PROVIDER_NAME + "_"
TERRAFORM_VERSION = harness.TF_LATEST
WRITE_ONLY_LINK = "https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments"

# (key in the schema JSON, docs and templates folder, the type's name in titles)
KINDS = (
    ("resource_schemas", "resources", "Resource"),
    ("data_source_schemas", "data-sources", "Data Source"),
    ("ephemeral_resource_schemas", "ephemeral-resources", "Ephemeral Resource"),
    ("list_resource_schemas", "list-resources", "List Resource"),
)
FUNCTIONS_DIR = "functions"
DOC_DIRS = tuple(kind[1] for kind in KINDS) + (FUNCTIONS_DIR,)

DEFAULT_TEMPLATE = """---
page_title: "{{ .Name }} {{ .Type }} - {{ .ProviderName }}"
subcategory: ""
description: |-
{{ .Description | plainmarkdown | trimspace | prefixlines "  " }}
---

# {{ .Name }} ({{ .Type }})

{{ .Description | trimspace }}

{{ .SchemaMarkdown }}
"""

DEFAULT_FUNCTION_TEMPLATE = """---
page_title: "{{ .Name }} function - {{ .ProviderName }}"
subcategory: ""
description: |-
{{ .Summary | plainmarkdown | trimspace | prefixlines "  " }}
---

# function: {{ .Name }}

{{ .Description | trimspace }}

## Signature

{{ .FunctionSignatureMarkdown }}

## Arguments

{{ .FunctionArgumentsMarkdown }}
"""

DEFAULT_INDEX_TEMPLATE = """---
page_title: "Provider: {{ .ProviderName }}"
description: |-
{{ .Description | plainmarkdown | trimspace | prefixlines "  " }}
---

# {{ .ProviderName }} Provider

{{ .Description | trimspace }}

{{ .SchemaMarkdown }}
"""


class DocsError(RuntimeError):
    """A template, an example file or the provider's schema cannot make a page."""


# --------------------------------------------------------------------------------------------- schema


def provider_schema(provider_binary: Path) -> dict:
    """The provider's entry of `terraform providers schema -json`, with the provider installed from a mirror."""
    terraform = harness.terraform_path(TERRAFORM_VERSION)
    with tempfile.TemporaryDirectory(prefix="nextstack-provider-docs-") as tmp:
        work = Path(tmp)
        mirror = harness.make_mirror(provider_binary, work / "mirror")
        rc = harness.write_cli_config(work / "terraformrc", mirror)
        (work / "main.tf").write_text(
            'terraform {\n  required_providers {\n    %s = { source = "%s/%s" }\n  }\n}\n'
            % (PROVIDER_NAME, PROVIDER_NAME, PROVIDER_NAME)
        )
        env = harness.terraform_env(rc, endpoint=None)
        for args in (["init", "-backend=false", "-input=false"], ["providers", "schema", "-json"]):
            proc = subprocess.run(
                [str(terraform), *args], cwd=work, env=env, capture_output=True, text=True, timeout=300
            )
            if proc.returncode != 0:
                raise DocsError("`terraform %s` failed (exit %d):\n%s%s" % (" ".join(args), proc.returncode, proc.stdout, proc.stderr))
    schemas = json.loads(proc.stdout)["provider_schemas"]
    if harness.PROVIDER_SOURCE not in schemas:
        raise DocsError("Terraform reported no schema for %s (got %s)" % (harness.PROVIDER_SOURCE, sorted(schemas)))
    return schemas[harness.PROVIDER_SOURCE]


# --------------------------------------------------------------------------------------------- schema markdown


def type_name(t) -> str:
    """A type of the schema JSON as the registry writes it: String, List of String, Map of Object, ..."""
    if isinstance(t, str):
        return {"string": "String", "number": "Number", "bool": "Boolean", "dynamic": "Dynamic"}.get(t, t.title())
    kind = t[0]
    if kind in ("list", "set", "map"):
        return "%s of %s" % (kind.title(), type_name(t[1]))
    if kind == "object":
        return "Object"
    if kind == "tuple":
        return "Tuple"
    raise DocsError("unknown type in the schema: %r" % (t,))


def object_of(t):
    """The attribute types of the object inside a type (object, list/set/map of object), else None."""
    while isinstance(t, list) and t[0] in ("list", "set", "map"):
        t = t[1]
    if isinstance(t, list) and t[0] == "object":
        return t[1]
    return None


def terraform_type(t) -> str:
    """A type of the schema JSON as a Terraform type constraint: object({ a = string }) and so on."""
    if isinstance(t, str):
        return t
    kind = t[0]
    if kind in ("list", "set", "map"):
        return "%s(%s)" % (kind, terraform_type(t[1]))
    if kind == "object":
        return "object({ %s })" % ", ".join("%s = %s" % (k, terraform_type(v)) for k, v in sorted(t[1].items()))
    if kind == "tuple":
        return "tuple([%s])" % ", ".join(terraform_type(v) for v in t[1])
    raise DocsError("unknown type in the schema: %r" % (t,))


def group_of(item: dict) -> str:
    if item.get("required"):
        return "Required"
    if item.get("optional"):
        return "Optional"
    return "Read-Only"


@dataclass
class Nested:
    """A section `### Nested Schema for \\`path\\`` still to be written."""

    anchor: str
    path: str
    block: dict  # attributes / block_types, as in the schema JSON
    group: str | None = None  # an object's attributes all take their attribute's group


class SchemaWriter:
    def __init__(self):
        self.pending: list[Nested] = []

    def entry(self, name: str, item: dict, is_block: bool, path: list[str], group: str) -> str:
        flags = []
        description = (item.get("block", {}) if is_block else item).get("description", "").strip()
        see = ""
        if is_block:
            nesting = item["nesting_mode"]
            if nesting in ("single", "group"):
                flags.append("Block, %s" % ("Required" if item.get("min_items") else "Optional"))
            else:
                label = {"list": "Block List", "set": "Block Set", "map": "Block Map"}[nesting]
                if item.get("min_items"):
                    label += ", Min: %d" % item["min_items"]
                if item.get("max_items"):
                    label += ", Max: %d" % item["max_items"]
                flags.append(label)
            anchor = "nestedblock--" + "--".join(path + [name])
            self.pending.append(Nested(anchor, ".".join(path + [name]), item["block"]))
            see = "(see [below for nested schema](#%s))" % anchor
        elif "nested_type" in item:
            nested = item["nested_type"]
            mode = nested.get("nesting_mode", "single")
            flags.append({"single": "Attributes", "list": "Attributes List", "set": "Attributes Set", "map": "Attributes Map"}[mode])
            anchor = "nestedatt--" + "--".join(path + [name])
            self.pending.append(Nested(anchor, ".".join(path + [name]), nested))
            see = "(see [below for nested schema](#%s))" % anchor
        else:
            flags.append(type_name(item["type"]))
            fields = object_of(item["type"])
            if fields is not None:
                anchor = "nestedatt--" + "--".join(path + [name])
                attrs = {k: {"type": v} for k, v in fields.items()}
                self.pending.append(Nested(anchor, ".".join(path + [name]), {"attributes": attrs}, group))
                see = "(see [below for nested schema](#%s))" % anchor
        if item.get("sensitive"):
            flags.append("Sensitive")
        if item.get("write_only"):
            flags.append("[Write-only](%s)" % WRITE_ONLY_LINK)
        if item.get("deprecated") or item.get("block", {}).get("deprecated"):
            flags.append("Deprecated")
        text = "- `%s` (%s)" % (name, ", ".join(flags))
        if description:
            text += " " + description
        if see:
            text += " " + see
        return text

    def groups(self, block: dict, path: list[str], fixed_group: str | None = None) -> dict[str, list[str]]:
        """{group: [entry, ...]} with entries sorted by name, blocks and attributes together."""
        items = [(n, a, False) for n, a in block.get("attributes", {}).items()]
        items += [(n, b, True) for n, b in block.get("block_types", {}).items()]
        out: dict[str, list[str]] = {"Required": [], "Optional": [], "Read-Only": []}
        placed = []
        for name, item, is_block in items:
            if fixed_group:
                group = fixed_group
            elif is_block:
                group = "Required" if item.get("min_items") else "Optional"
            else:
                group = group_of(item)
            placed.append((list(out).index(group), name, group, item, is_block))
        # Entries (and so the nested sections they queue) in the order a reader meets them.
        for _, name, group, item, is_block in sorted(placed, key=lambda p: (p[0], p[1])):
            out[group].append(self.entry(name, item, is_block, path, group))
        return out

    def render(self, block: dict) -> str:
        parts = ["## Schema"]
        for group, entries in self.groups(block, []).items():
            if entries:
                parts.append("### %s\n\n%s" % (group, "\n".join(entries)))
        while self.pending:
            nested = self.pending.pop(0)
            section = ['<a id="%s"></a>\n### Nested Schema for `%s`' % (nested.anchor, nested.path)]
            for group, entries in self.groups(nested.block, nested.path.split("."), nested.group).items():
                if entries:
                    section.append("%s:\n\n%s" % (group, "\n".join(entries)))
            parts.append("\n\n".join(section))
        return "\n\n".join(parts)


def schema_markdown(block: dict) -> str:
    return SchemaWriter().render(block)


def identity_markdown(identity: dict) -> str:
    """`## Identity Schema`: the attributes an `import { identity = {...} }` block takes, as Terraform reports
    them (`resource_identity_schemas`), grouped like a schema's."""
    groups: dict[str, list[str]] = {"Required": [], "Optional": []}
    for name, attr in sorted(identity.get("attributes", {}).items()):
        group = "Required" if attr.get("required_for_import") else "Optional"
        line = "- `%s` (%s)" % (name, type_name(attr["type"]))
        if attr.get("description", "").strip():
            line += " " + attr["description"].strip()
        groups[group].append(line)
    parts = [
        '<a id="identity-schema"></a>\n## Identity Schema',
        "What identifies the remote object. Terraform >= 1.12 stores it beside the state, and an `import` block may "
        "give it in `identity = { ... }` instead of an `id`.",
    ]
    for group, lines in groups.items():
        if lines:
            parts.append("### %s\n\n%s" % (group, "\n".join(lines)))
    return "\n\n".join(parts)


def function_signature(name: str, function: dict) -> str:
    params = ["%s %s" % (p["name"], terraform_type(p["type"])) for p in function.get("parameters", [])]
    variadic = function.get("variadic_parameter")
    if variadic:
        params.append("%s ...%s" % (variadic["name"], terraform_type(variadic["type"])))
    return "```text\n%s(%s) %s\n```" % (name, ", ".join(params), terraform_type(function["return_type"]))


def function_arguments(function: dict) -> str:
    params = [(p, False) for p in function.get("parameters", [])]
    if function.get("variadic_parameter"):
        params.append((function["variadic_parameter"], True))
    if not params:
        return "This function takes no arguments."
    lines = []
    for i, (p, variadic) in enumerate(params, 1):
        flags = (["Variadic"] if variadic else []) + [type_name(p["type"])]
        if p.get("is_nullable"):
            flags.append("Nullable")
        line = "%d. `%s` (%s)" % (i, p["name"], ", ".join(flags))
        if p.get("description", "").strip():
            line += " " + p["description"].strip()
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- templates


def plain_markdown(text: str) -> str:
    """Markdown as plain text for the front matter: links become their text, code and emphasis marks go."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return text.replace("`", "").replace("**", "")


FILTERS = {
    "trimspace": lambda text: text.strip(),
    "plainmarkdown": plain_markdown,
}
ACTION = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.S)
TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s"|]+)|(\|)')


def tokens(expr: str) -> list:
    """The words of an action: ('str', value), ('word', value) or ('pipe', '|')."""
    out = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        if expr[pos].isspace():
            pos += 1
            continue
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError("cannot read %r" % expr[pos:])
        if m.group(1) is not None:
            out.append(("str", json.loads('"%s"' % m.group(1))))
        elif m.group(3):
            out.append(("pipe", "|"))
        else:
            out.append(("word", m.group(2)))
        pos = m.end()
    return out


class Template:
    def __init__(self, text: str, where: str, root: Path, values: dict):
        self.text = text
        self.where = where
        self.root = root
        self.values = values

    def error(self, offset: int, message: str) -> DocsError:
        line = self.text.count("\n", 0, offset) + 1
        return DocsError("%s:%d: %s" % (self.where, line, message))

    def code_file(self, language: str, relative: str, offset: int) -> str:
        path = (self.root / relative).resolve()
        if not path.is_file():
            raise self.error(offset, "example file %s does not exist" % relative)
        return "```%s\n%s\n```" % (language, path.read_text().rstrip("\n"))

    def evaluate(self, expr: str, offset: int) -> str:
        try:
            words = tokens(expr)
        except ValueError as exc:
            raise self.error(offset, "{{ %s }}: %s" % (expr, exc)) from None
        stages: list[list] = [[]]
        for word in words:
            if word[0] == "pipe":
                stages.append([])
            else:
                stages[-1].append(word)
        head = stages[0]
        if not head:
            raise self.error(offset, "empty action {{ %s }}" % expr)
        if len(head) == 1 and head[0][0] == "word" and head[0][1].startswith("."):
            key = head[0][1][1:]
            if key not in self.values:
                raise self.error(offset, "unknown field .%s (this page has: %s)" % (key, ", ".join("." + k for k in sorted(self.values))))
            value = self.values[key]
        elif head[0] == ("word", "tffile") and len(head) == 2 and head[1][0] == "str":
            value = self.code_file("terraform", head[1][1], offset)
        elif head[0] == ("word", "codefile") and len(head) == 3 and head[1][0] == head[2][0] == "str":
            value = self.code_file(head[1][1], head[2][1], offset)
        else:
            raise self.error(offset, "unknown action {{ %s }}" % expr)
        for stage in stages[1:]:
            if len(stage) == 1 and stage[0][0] == "word" and stage[0][1] in FILTERS:
                value = FILTERS[stage[0][1]](value)
            elif len(stage) == 2 and stage[0] == ("word", "prefixlines") and stage[1][0] == "str":
                value = "\n".join(stage[1][1] + line for line in value.split("\n"))
            else:
                raise self.error(offset, "unknown filter in {{ %s }}" % expr)
        return value

    def render(self) -> str:
        out = ACTION.sub(lambda m: self.evaluate(m.group(1), m.start()), self.text)
        return out.rstrip() + "\n"


# --------------------------------------------------------------------------------------------- pages


def short_name(type_name_: str) -> str:
    if not type_name_.startswith(TYPE_PREFIX):
        raise DocsError("%s does not start with %s" % (type_name_, TYPE_PREFIX))
    return type_name_[len(TYPE_PREFIX) :]


def render_page(root: Path, template_rel: str, default: str, values: dict) -> str:
    path = root / template_rel
    text = path.read_text() if path.is_file() else default
    where = template_rel if path.is_file() else "the default template for %s" % template_rel
    return Template(text, where, root, values).render()


def pages(schema: dict, root: Path) -> dict[str, str]:
    """{path under root: content} of every generated page."""
    out = {}
    provider_block = schema["provider"]["block"]
    out["docs/index.md"] = render_page(
        root,
        "templates/index.md.tmpl",
        DEFAULT_INDEX_TEMPLATE,
        {
            "ProviderName": PROVIDER_NAME,
            "Description": provider_block.get("description", ""),
            "SchemaMarkdown": schema_markdown(provider_block),
        },
    )
    identities = schema.get("resource_identity_schemas", {})
    for key, folder, title in KINDS:
        for name, entry in sorted(schema.get(key, {}).items()):
            short = short_name(name)
            markdown = schema_markdown(entry["block"])
            if key == "resource_schemas" and name in identities:
                markdown += "\n\n" + identity_markdown(identities[name])
            out["docs/%s/%s.md" % (folder, short)] = render_page(
                root,
                "templates/%s/%s.md.tmpl" % (folder, short),
                DEFAULT_TEMPLATE,
                {
                    "Name": name,
                    "Type": title,
                    "ProviderName": PROVIDER_NAME,
                    "Description": entry["block"].get("description", ""),
                    "SchemaMarkdown": markdown,
                },
            )
    for name, function in sorted(schema.get("functions", {}).items()):
        out["docs/%s/%s.md" % (FUNCTIONS_DIR, name)] = render_page(
            root,
            "templates/%s/%s.md.tmpl" % (FUNCTIONS_DIR, name),
            DEFAULT_FUNCTION_TEMPLATE,
            {
                "Name": name,
                "Type": "function",
                "ProviderName": PROVIDER_NAME,
                "Summary": function.get("summary", ""),
                "Description": function.get("description", ""),
                "FunctionSignatureMarkdown": function_signature(name, function),
                "FunctionArgumentsMarkdown": function_arguments(function),
            },
        )
    return out


def unused_templates(root: Path, generated: dict[str, str]) -> list[str]:
    """Templates that no schema type uses (a renamed or removed type, or a misspelt file name)."""
    wanted = {"templates/" + page[len("docs/") : -len(".md")] + ".md.tmpl" for page in generated}
    found = sorted(str(p.relative_to(root)) for p in (root / "templates").rglob("*.tmpl")) if (root / "templates").is_dir() else []
    return [t for t in found if t not in wanted]


def orphans(root: Path, generated: dict[str, str]) -> list[str]:
    """Pages in the generated folders that no schema type produces."""
    out = []
    for folder in DOC_DIRS:
        for page in sorted((root / "docs" / folder).glob("*.md")):
            rel = str(page.relative_to(root))
            if rel not in generated:
                out.append(rel)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming every stale page")
    parser.add_argument("--provider", type=Path, help="the provider binary (default: cargo build -p %s)" % harness.PROVIDER_PACKAGE)
    parser.add_argument("--root", type=Path, default=ROOT, help="where templates/, examples/ and docs/ are (default: the repository)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        binary = args.provider.resolve() if args.provider else harness.build_provider()
        if not binary.is_file():
            raise DocsError("--provider %s is not a file" % args.provider)
        generated = pages(provider_schema(binary), root)
    except (DocsError, harness.HarnessError) as exc:
        print("provider_docs: ERROR: %s" % exc, file=sys.stderr)
        return 2
    stale = [rel for rel, text in generated.items() if not (root / rel).is_file() or (root / rel).read_text() != text]
    extra = orphans(root, generated)
    unused = unused_templates(root, generated)
    for rel in unused:
        print("provider_docs: %s matches no resource, data source, ephemeral resource, list resource or function" % rel, file=sys.stderr)
    if args.check:
        for rel in stale:
            print("stale: %s (run tools/provider_docs.py)" % rel, file=sys.stderr)
        for rel in extra:
            print("stale: %s documents nothing the provider serves (remove it)" % rel, file=sys.stderr)
        return 1 if stale or extra or unused else 0
    for rel in stale:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(generated[rel])
        print("wrote %s" % rel)
    for rel in extra:
        (root / rel).unlink()
        print("removed %s" % rel)
    return 1 if unused else 0


if __name__ == "__main__":
    sys.exit(main())
