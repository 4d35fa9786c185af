"""Memory: an analysis frees what it is done with by reference counting, not by the cyclic garbage
collector (which a command-line run calls rarely, see cli.GC_THRESHOLDS). A reference cycle in a
per-file structure keeps the whole file's evaluation graph alive until a collection: at 1,000 classes
that was 350 MB of garbage."""

from __future__ import annotations

import gc
import shutil
from collections import Counter
from pathlib import Path

from phi_lint import engine
from phi_lint.config import find_config, load_config_file
from phi_lint.project import open_project
from phi_lint.rules import default_registry

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "clinic"


def test_a_run_leaves_no_cycles_of_per_file_structures(tmp_path: Path) -> None:
    root = tmp_path / "clinic"
    shutil.copytree(EXAMPLE, root)
    registry = default_registry()
    found = find_config(root)
    assert found is not None
    project = open_project(root, load_config_file(found, registry))
    request = engine.CheckRequest([root], project, registry, jobs=1)
    enabled = gc.isenabled()
    gc.disable()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = engine.run_check(request)
        gc.collect()
        garbage = Counter(type(obj).__name__ for obj in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()
    assert result.findings  # the example has findings: the analyzers did run
    per_file = {"FileAnalysis", "MethodFlow", "Value", "Origin", "Element", "xmlparser", "_ApexContext"}
    assert not per_file & garbage.keys(), garbage.most_common(10)
