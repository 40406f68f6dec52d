#!/usr/bin/env python3
"""The module graph in docs/architecture.md, drawn from Package.swift.

    scripts/module-graph.py          rewrite the block between the markers
    scripts/module-graph.py --check  fail if the block differs from the manifest, or if a
                                     module imports a package module it does not declare or
                                     declares one it never imports

The manifest is read through `swift package dump-package`, so the graph is what SwiftPM builds,
not what someone remembered to write down. `make test` runs the check.
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- module-graph:begin (scripts/module-graph.py writes this block) -->"
END = "<!-- module-graph:end -->"
IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|typealias|var|let)\s+)?(\w+)", re.M)


def manifest():
    out = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def dependency_names(target, internal):
    names, products = [], []
    for dependency in target["dependencies"]:
        kind, value = next(iter(dependency.items()))
        name = value[0]
        (names if kind in ("byName", "target") and name in internal else products).append(name)
    return names, products


def source_dir(target):
    if target.get("path"):
        return ROOT / target["path"]
    return ROOT / ("Tests" if target["type"] == "test" else "Sources") / target["name"]


def module_name(name):
    # An executable target's module name swaps '-' for '_'.
    return name.replace("-", "_")


def transitive_reduction(edges):
    def reachable(start, skip):
        seen, stack = set(), [n for n in edges[start] if n != skip]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges[node])
        return seen

    return {node: sorted(d for d in deps if d not in reachable(node, d)) for node, deps in edges.items()}


def render(package):
    targets = [t for t in package["targets"] if t["type"] != "test"]
    internal = {t["name"] for t in package["targets"]}
    edges, products = {}, {}
    for target in targets:
        edges[target["name"]], products[target["name"]] = dependency_names(target, internal)
    reduced = transitive_reduction(edges)
    lines = [BEGIN, "", "```mermaid", "graph TD"]
    for target in targets:
        for dependency in reduced[target["name"]]:
            lines.append(f"  {module_name(target['name'])} --> {module_name(dependency)}")
    lines += ["```", "",
              "The graph leaves out an arrow another path already implies; the table lists every "
              "direct dependency.", "",
              "| module | kind | depends on | packages |", "| --- | --- | --- | --- |"]
    for target in targets:
        name = target["name"]
        own = ", ".join(f"`{d}`" for d in edges[name]) or "—"
        external = ", ".join(f"`{p}`" for p in products[name]) or "—"
        lines.append(f"| `{name}` | {target['type']} | {own} | {external} |")
    lines += ["", END]
    return "\n".join(lines)


def import_problems(package):
    internal = {t["name"] for t in package["targets"]}
    by_module = {module_name(n): n for n in internal}
    problems = []
    for target in package["targets"]:
        declared, _ = dependency_names(target, internal)
        imported = set()
        for source in source_dir(target).rglob("*.swift"):
            imported.update(m for m in IMPORT.findall(source.read_text()) if m in by_module)
        imported = {by_module[m] for m in imported} - {target["name"]}
        for name in sorted(imported - set(declared)):
            problems.append(f"{target['name']} imports {name} but does not declare it in Package.swift")
        for name in sorted(set(declared) - imported):
            problems.append(f"{target['name']} declares {name} in Package.swift but never imports it")
    return problems


def main():
    check = "--check" in sys.argv[1:]
    package = manifest()
    block = render(package)
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{DOC.relative_to(ROOT)}: the module-graph markers are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    updated = head + block + tail
    problems = import_problems(package)
    if check:
        if updated != text:
            problems.append(f"{DOC.relative_to(ROOT)}: the module graph differs from Package.swift; "
                            "run scripts/module-graph.py")
        for problem in problems:
            print(f"module-graph: {problem}", file=sys.stderr)
        sys.exit(1 if problems else 0)
    DOC.write_text(updated)
    for problem in problems:
        print(f"module-graph: {problem}", file=sys.stderr)


if __name__ == "__main__":
    main()
