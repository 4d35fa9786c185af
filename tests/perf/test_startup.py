"""`phi-lint check` must not pay for modules it does not use (the pre-commit hook runs on every commit)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("playwright", "bs4", "axe_playwright_python", "greenlet", "jsonschema", "pyee")
# Only needed when files are spread over worker processes, not for a one-file pre-commit check.
PARALLEL_ONLY = ("concurrent.futures.process", "multiprocessing.pool")

PROBE = """
import json, sys
sys.argv = ["phi-lint", "check", "--no-cache", *sys.argv[1:]]
from phi_lint.cli import main
try:
    code = main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _loaded(*args: str) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def _tiny_project(root: Path) -> Path:
    (root / "sfdx-project.json").write_text('{"packageDirectories": [{"path": "force-app"}]}')
    classes = root / "force-app/main/default/classes"
    classes.mkdir(parents=True)
    one = classes / "PatientService.cls"
    one.write_text(
        "public with sharing class PatientService {\n"
        "    public static Integer twice(Integer n) { return n * 2; }\n}\n"
    )
    return one


def test_an_apex_check_imports_no_browser_or_html_modules(tmp_path: Path) -> None:
    one = _tiny_project(tmp_path)
    code, modules = _loaded(str(tmp_path))
    assert code in (0, 1), code
    assert "phi_lint.engine" in modules  # the probe really ran a check
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []
    code, modules = _loaded(str(one))
    assert "phi_lint.engine" in modules
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m in PARALLEL_ONLY) == []


def test_the_probe_would_see_a_heavy_import(tmp_path: Path) -> None:
    """Guard against a probe that cannot fail: importing bs4 in the same way is detected."""
    done = subprocess.run(
        [sys.executable, "-c", "import bs4, json, sys; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "bs4" in json.loads(done.stdout)


def test_a_check_does_not_import_the_sweep_machinery(tmp_path: Path) -> None:
    """The sweep sub-command's arguments are registered without importing asyncio or urllib."""
    one = _tiny_project(tmp_path)
    _, modules = _loaded(str(one))
    assert sorted(m for m in modules if m in ("asyncio", "urllib.request", "phi_lint.sweep.cli")) == []


def test_checking_one_class_of_a_project_with_components_leaves_the_lwc_analyzer_alone(
    tmp_path: Path,
) -> None:
    """Only the analyzer packages of the kinds of file reported on prepare: one Apex class of a project
    that also has Lightning components loads no JavaScript data flow and runs no LWC prepare() (which
    reads every class)."""
    one = _tiny_project(tmp_path)
    bundle = tmp_path / "force-app/main/default/lwc/patientCard"
    bundle.mkdir(parents=True)
    (bundle / "patientCard.js").write_text(
        "import { LightningElement } from 'lwc';\nexport default class X extends LightningElement {}\n"
    )
    (bundle / "patientCard.html").write_text("<template><p>Patient</p></template>\n")
    # (lwc/phi-in-url's rule module is loaded: it covers PageReference URLs in Apex too.)
    lwc_machinery = ("phi_lint.analyzers.lwc.jsflow", "phi_lint.analyzers.lwc.phi_names")
    _, modules = _loaded(str(one))
    assert "phi_lint.analyzers.apex" in modules
    assert sorted(m for m in modules if m in lwc_machinery) == []
    _, modules = _loaded(str(tmp_path))  # the whole project: both
    assert sorted(m for m in modules if m in lwc_machinery) == sorted(lwc_machinery)


def test_parsed_rule_files_are_remembered_until_a_rule_file_changes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The rules' TOML (13 ms of tomllib per run) is remembered as JSON; the registry it gives is the
    one parsing gives, and an edited rule file is parsed again."""
    import os
    import shutil
    import time

    from phi_lint import rules

    source = tmp_path / "rules"
    shutil.copytree(rules.rules_dir(), source)
    old = time.time() - 60  # files written just now are not memoized (same-tick edits)
    for path in source.rglob("*.toml"):
        os.utime(path, (old, old))
    memo = tmp_path / "memo"
    parsed = rules.load_rules(source)
    first = rules.load_rules(source, memo_folder=memo)
    assert len(list(memo.glob("rules-*.json"))) == 1

    def no_toml(text: str) -> object:
        raise AssertionError("a rule file was parsed although the memo holds it")

    with monkeypatch.context() as patch:
        patch.setattr(rules.tomllib, "loads", no_toml)
        second = rules.load_rules(source, memo_folder=memo)
    for registry in (first, second):
        assert [r.id for r in registry.static_rules()] == [r.id for r in parsed.static_rules()]
        assert [r.message for r in registry.static_rules()] == [r.message for r in parsed.static_rules()]
    edited = source / "apex" / "phi-in-log.toml"
    edited.write_text(edited.read_text().replace('severity = "error"', 'severity = "warning"', 1))
    os.utime(edited, (old + 30, old + 30))
    third = rules.load_rules(source, memo_folder=memo)
    assert third.get("apex/phi-in-log").severity.value == "warning"
    # The other rule set's memo is kept (another checkout of phi-lint may be using it): going back
    # to it parses nothing.
    assert len(list(memo.glob("rules-*.json"))) == 2
    edited.write_text(edited.read_text().replace('severity = "warning"', 'severity = "error"', 1))
    os.utime(edited, (old, old))
    with monkeypatch.context() as patch:
        patch.setattr(rules.tomllib, "loads", no_toml)
        fourth = rules.load_rules(source, memo_folder=memo)
    assert fourth.get("apex/phi-in-log").severity.value == "error"
    # Only the most recent few are kept.
    for n in range(rules.RULE_MEMOS_KEPT + 2):
        os.utime(edited, (old + n + 1, old + n + 1))
        rules.load_rules(source, memo_folder=memo)
    assert len(list(memo.glob("rules-*.json"))) == rules.RULE_MEMOS_KEPT


def test_a_template_check_loads_bs4_without_its_unused_optional_modules(tmp_path: Path) -> None:
    """bs4's CSS selectors (soupsieve) and encoding detectors were ~70 ms of a one-template check;
    phi-lint uses neither, and they stay importable for other code in the same process."""
    _tiny_project(tmp_path)
    bundle = tmp_path / "force-app/main/default/lwc/patientCard"
    bundle.mkdir(parents=True)
    template = bundle / "patientCard.html"
    template.write_text('<template><img src="x.png"><p>{name}</p></template>\n')
    unused = ("soupsieve", "charset_normalizer", "chardet", "cchardet")
    code, modules = _loaded(str(template))
    assert code == 1  # lwc/a11y-img-alt: the template really was parsed and checked
    assert "bs4" in modules
    assert sorted(m for m in modules if m.split(".")[0] in unused) == []
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util, sys\n"
            "from phi_lint.analyzers.lwc.soup import BeautifulSoup\n"
            "assert BeautifulSoup('<p>a</p>', 'html.parser').p.get_text() == 'a'\n"
            "assert 'soupsieve' not in sys.modules\n"
            "import soupsieve\n"  # still importable afterwards (bs4 depends on it)
            "print(soupsieve.__name__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "soupsieve", done.stderr
