#!/usr/bin/env python3
"""The tree-sitter floor: what any tree-sitter tool in Python must at least spend on a project.

For every Apex file: read, parse, one TreeCursor walk over all nodes, one query (all method calls).
Prints JSON with the in-process seconds; run it as a process to include interpreter start-up.

    python bench/floor.py PROJECT_OR_FILE [...]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from tree_sitter import Parser, Query, QueryCursor
from tree_sitter_language_pack import get_language

CALLS = "(method_invocation) @call"


def apex_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        else:
            found += sorted(p for p in path.rglob("*") if p.suffix in (".cls", ".trigger") and p.is_file())
    return found


def main() -> None:
    started = time.perf_counter()
    language = get_language("apex")
    parser = Parser(language)
    query = Query(language, CALLS)
    files = apex_files([Path(a) for a in sys.argv[1:]])
    nodes = calls = size = 0
    for path in files:
        source = path.read_bytes()
        size += len(source)
        tree = parser.parse(source)
        cursor = tree.walk()
        # Iterative pre-order walk with one cursor (3-4x faster than recursing through .children).
        while True:
            nodes += 1
            if cursor.goto_first_child():
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    break
            else:
                continue
            break
        calls += len(QueryCursor(query).captures(tree.root_node).get("call", []))
    print(
        json.dumps(
            {
                "files": len(files),
                "bytes": size,
                "nodes": nodes,
                "calls": calls,
                "seconds": round(time.perf_counter() - started, 4),
            }
        )
    )


if __name__ == "__main__":
    main()
