"""The bad-input corpus: each odd file gets a clear notification naming it (or is analysed correctly), and
the rest of the run goes on: the marker finding in a healthy file beside it is always reported.

Every case runs through the engine (`run_check`) and the CLI (`phi_lint.cli.main`)."""

from __future__ import annotations

import json
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from phi_lint.findings import NotificationKind

from .conftest import MARKER_LINE, Checker, finding_lines, notes_for

HEALTHY = f"public with sharing class Healthy {{\n    {MARKER_LINE}\n    Integer x = 1;\n}}\n"
HEALTHY_PATH = "force-app/main/default/classes/Healthy.cls"


def _apex_with_marker_at(line: int, newline: str = "\n") -> str:
    """An Apex class whose marker directive is on `line` (1-based)."""
    lines = ["public class Odd {"] + ["    Integer a = 1;"] * (line - 2) + [f"    {MARKER_LINE}", "}"]
    return newline.join(lines) + newline


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # under force-app/main/default
    content: bytes
    # A fragment expected in a notification naming the file ("" = no notification expected).
    note: str = ""
    # Lines where core/invalid-suppression must be reported in this file (line numbers stay right).
    marker_lines: tuple[int, ...] = ()
    # Deeply nested input (also checked on its own by the *_do_not_exhaust_the_stack tests below).
    deep: bool = False


def DeepCase(*args: Any, **kwargs: Any) -> Case:
    return Case(*args, deep=True, **kwargs)


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{"&lol" + (str(i - 1) if i > 1 else "") + ";" * 1}'
        + ("&lol" + (str(i - 1) if i > 1 else "") + ";") * 9
        + '">'
        for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE CustomField [\n' + "\n".join(entities) + "\n]>\n"
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "<fullName>Laugh__c</fullName><label>&lol9;</label><type>Text</type>\n</CustomField>\n"
    ).encode()


def _xxe(target: Path) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE CustomField [<!ENTITY xxe SYSTEM "file://{target}">]>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">\n'
        "<fullName>Leak__c</fullName><label>&xxe;</label><type>Text</type>\n</CustomField>\n"
    ).encode()


DEEP = 3000
CASES = [
    Case(
        "binary-apex",
        "classes/Image.cls",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        note="binary content",
    ),
    Case("binary-js", "lwc/bin/bin.js", b"\x7fELF\x02\x01\x01\x00" + bytes(512), note="binary content"),
    Case(
        "invalid-utf8",
        "classes/Latin1.cls",
        ("public class Latin1 {\n    // caf\xe9\n    " + MARKER_LINE + "\n}\n").encode("latin-1"),
        note="invalid UTF-8",
        marker_lines=(3,),
    ),
    Case(
        "utf16-le-bom",
        "classes/Wide.cls",
        _apex_with_marker_at(4).encode("utf-16"),
        note="UTF-16",
        marker_lines=(4,),
    ),
    Case(
        "utf16-be-bom",
        "classes/WideBe.cls",
        b"\xfe\xff" + _apex_with_marker_at(3).encode("utf-16-be"),
        note="UTF-16",
        marker_lines=(3,),
    ),
    Case(
        "utf8-bom", "classes/Bom.cls", b"\xef\xbb\xbf" + _apex_with_marker_at(2).encode(), marker_lines=(2,)
    ),
    Case("crlf", "classes/Crlf.cls", _apex_with_marker_at(5, "\r\n").encode(), marker_lines=(5,)),
    Case("cr-only", "classes/OldMac.cls", _apex_with_marker_at(4, "\r").encode(), marker_lines=(4,)),
    Case(
        "mixed-endings",
        "classes/Mixed.cls",
        (
            "public class Mixed {\r\n    Integer a;\n    Integer b;\r    Integer c;\r\n    "
            + MARKER_LINE
            + "\n}\n"
        ).encode(),
        marker_lines=(5,),
    ),
    # Characters Python's str.splitlines() treats as line breaks but compilers and tree-sitter do not:
    # line numbers must still count only \n (and \r\n, \r).
    Case(
        "unicode-line-separators",
        "classes/Separators.cls",
        (
            "public class Separators {\n    String s = 'a\u2028b\u2029c\x0cd\x1ce\x85f';\n"
            "    // \x0b\x1d\x1e\n    " + MARKER_LINE + "\n}\n"
        ).encode(),
        marker_lines=(4,),
    ),
    Case("empty-apex", "classes/Empty.cls", b""),
    Case("empty-js", "lwc/empty/empty.js", b""),
    Case("empty-html", "lwc/empty/empty.html", b""),
    Case("empty-aura", "aura/emptyCmp/emptyCmp.cmp", b""),
    Case("empty-xml", "objects/Empty__c/fields/Blank__c.field-meta.xml", b"", note="XML"),
    Case("whitespace-only", "classes/Blank.cls", b"\n\n   \n\t\n"),
    Case(
        "nul-after-8k",
        "classes/LateNul.cls",
        _apex_with_marker_at(3).encode() + b"//" + b"x" * 9000 + b"\x00\n",
        marker_lines=(3,),
    ),
    Case(
        "huge-single-line",
        "classes/Huge.cls",
        b"public class Huge { String s = '" + b"x" * (10 * 1024 * 1024) + b"'; }",
        note="limit",
    ),
    DeepCase(
        "deep-apex-parens",
        "classes/DeepParens.cls",
        (
            "public class DeepParens {\n    Integer x = "
            + "(" * DEEP
            + "1"
            + ")" * DEEP
            + ";\n    "
            + MARKER_LINE
            + "\n}\n"
        ).encode(),
        marker_lines=(3,),
    ),
    DeepCase(
        "deep-apex-binary",
        "classes/DeepBinary.cls",
        (
            "public class DeepBinary {\n    void m(Integer a) {\n        Integer x = "
            + " + ".join(["a"] * DEEP)
            + ";\n        System.debug("
            + "+".join(["a"] * DEEP)
            + ");\n    }\n    "
            + MARKER_LINE
            + "\n}\n"
        ).encode(),
        marker_lines=(6,),
    ),
    DeepCase(
        "deep-apex-calls",
        "classes/DeepCalls.cls",
        (
            "public class DeepCalls {\n    void m() {\n        String s = "
            + "String.valueOf(" * 1000
            + "1"
            + ")" * 1000
            + ";\n        if (true) " * 1
            + "{" * 800
            + "}" * 800
            + "\n    }\n    "
            + MARKER_LINE
            + "\n}\n"
        ).encode(),
        marker_lines=(6,),
    ),
    DeepCase(
        "deep-js",
        "lwc/deep/deep.js",
        (
            "import { LightningElement } from 'lwc';\nexport default class Deep extends LightningElement {\n"
            "    v = " + "[" * DEEP + "]" * DEEP + ";\n    w = " + "(" * DEEP + "1" + ")" * DEEP + ";\n"
            "    x = "
            + " + ".join(["this.v"] * DEEP)
            + ";\n    y = "
            + "{a:" * 1000
            + "1"
            + "}" * 1000
            + ";\n"
            "    z() { return " + "(() => " * 500 + "1" + ")" * 500 + "; }\n    " + MARKER_LINE + "\n}\n"
        ).encode(),
        marker_lines=(8,),
    ),
    Case(
        "deep-html",
        "lwc/deepHtml/deepHtml.html",
        (
            "<template>\n"
            + "<div>" * DEEP
            + "{value}"
            + "</div>" * DEEP
            + "\n<!-- phi-lint: ignore[] x -->\n"
            "</template>\n"
        ).encode(),
    ),
    Case(
        "deep-aura",
        "aura/deepCmp/deepCmp.cmp",
        ("<aura:component>\n" + "<div>" * DEEP + "</div>" * DEEP + "\n</aura:component>\n").encode(),
    ),
    Case(
        "deep-xml",
        "objects/Deep__c/Deep__c.object-meta.xml",
        (
            '<?xml version="1.0"?>\n<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">'
            + "<a>" * DEEP
            + "</a>" * DEEP
            + "</CustomObject>\n"
        ).encode(),
    ),
    Case(
        "malformed-apex",
        "classes/Broken.cls",
        ("public class Broken {\n    void m( {\n        Integer x = ;\n    " + MARKER_LINE + "\n").encode(),
        note="syntax error",
        marker_lines=(4,),
    ),
    Case(
        "malformed-js",
        "lwc/broken/broken.js",
        (
            "import { LightningElement from 'lwc';\nexport default class extends {\n"
            "  get x() { return ((; }\n" + MARKER_LINE + "\n"
        ).encode(),
        note="syntax error",
        marker_lines=(4,),
    ),
    Case(
        "malformed-html",
        "lwc/brokenHtml/brokenHtml.html",
        b'<template>\n<div <span>>\n<table><tr><td>{x}</div></template></template>\n<img src="a" alt=\n',
    ),
    Case(
        "malformed-aura",
        "aura/brokenCmp/brokenCmp.cmp",
        b'<aura:component>\n<aura:attribute name="x" type=\n<div>{!v.x</aura:component',
    ),
    Case(
        "malformed-xml",
        "objects/Broken__c/fields/Bad__c.field-meta.xml",
        b'<?xml version="1.0"?>\n<CustomField><fullName>Bad__c</fullName>\n<label>x</lab>\n',
        note="malformed XML",
    ),
    Case(
        "billion-laughs",
        "objects/Patient__c/fields/Laugh__c.field-meta.xml",
        _billion_laughs(),
        note="DOCTYPE",
    ),
]


def _write(root: Path, rel: str, content: bytes) -> Path:
    path = root / "force-app/main/default" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_through_the_engine(case: Case, make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, case.path, case.content)
    started = time.monotonic()
    result = checker.engine(root)
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"{case.name}: the check took {elapsed:.1f}s"
    # The rest of the run goes on.
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]
    name = Path(case.path).name
    notes = notes_for(result, name)
    if case.note:
        assert any(case.note.lower() in n.lower() for n in notes), (
            f"no notification about {case.note!r}: {notes}"
        )
    # No rule and no analyzer crashed on the odd input (a crash would be a rule-error notification).
    crashes = [n for n in result.notifications if n.kind is NotificationKind.RULE_ERROR]
    assert not crashes, "\n".join(f"{n.rule_id} on {n.path}: {n.message}" for n in crashes)
    if case.marker_lines:
        assert finding_lines(result, "core/invalid-suppression", name) == list(case.marker_lines)


@pytest.mark.parametrize("case", [c for c in CASES if c.note or c.marker_lines], ids=lambda c: c.name)
def test_bad_input_through_the_cli(case: Case, make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, case.path, case.content)
    code, out, err = checker.cli("check", str(root), "--no-cache", "--format", "json")
    assert code in (1, 3), err  # findings (the healthy marker), or incomplete; never a tool error
    report = json.loads(out)
    (run,) = report["runs"]
    paths = {f["location"]["path"] for f in run["findings"]}
    assert HEALTHY_PATH in paths
    if case.note:
        named = [n for n in run["notifications"] if n["path"] and n["path"].endswith(Path(case.path).name)]
        assert any(case.note.lower() in n["message"].lower() for n in named), run["notifications"]
    code, out, _ = checker.cli("check", str(root), "--no-cache")
    assert Path(case.path).name in out or not case.note


def test_hidden_managed_package_classes_are_one_note_not_parse_errors(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    # An org retrieve holds an installed package's classes as `(hidden)`: not a syntax error to report
    # once per class (an org can have thousands), but one note that they were not analysed.
    root = make_project({"classes/Healthy.cls": HEALTHY})
    for name in ("ns__Alpha.cls", "ns__Beta.cls", "ns__Gamma.trigger"):
        _write(root, ("triggers/" if name.endswith(".trigger") else "classes/") + name, b"(hidden)")
    _write(root, "classes/Broken.cls", b"public class Broken { Integer x = ; }\n")
    result = checker.engine(root)
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]
    hidden = [n for n in result.notifications if "(hidden)" in n.message]
    assert [(n.kind, n.path, n.message.split(" ")[0]) for n in hidden] == [
        (NotificationKind.SKIPPED, "force-app/main/default/classes/ns__Alpha.cls", "3")
    ]
    assert not [
        n for n in result.notifications if n.kind is NotificationKind.PARSE_ERROR and "ns__" in (n.path or "")
    ]
    # A real syntax error is still one.
    assert [n.kind for n in result.notifications if (n.path or "").endswith("Broken.cls")] == [
        NotificationKind.PARSE_ERROR
    ]


def test_snippets_follow_the_right_line_with_crlf_and_separators(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    text = "public class S {\r\n    String s = 'a\u2028b\x0cc';\r\n    " + MARKER_LINE + " // here\r\n}\r\n"
    root = make_project({"classes/S.cls": text.encode()})
    result = checker.engine(root, extra_rules=["test/every-line"])
    marker = [f for f in result.findings if f.rule_id == "core/invalid-suppression"]
    assert [f.location.start_line for f in marker] == [3]
    assert marker[0].location.snippet.endswith("// here")
    every = {
        f.location.start_line: f.location.snippet
        for f in result.findings
        if f.rule_id == "test/every-line" and f.location.path.endswith("S.cls")
    }
    assert sorted(every) == [1, 2, 3, 4]
    assert every[4] == "}"


def test_xxe_is_refused_and_nothing_is_read(make_project, checker: Checker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sys

    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("TOP-SECRET-CONTENT-42")
    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, "objects/Patient__c/fields/Leak__c.field-meta.xml", _xxe(secret))
    _write(
        root,
        "objects/Patient__c/Patient__c.object-meta.xml",
        _xxe(secret).replace(b"CustomField", b"CustomObject"),
    )
    opened: list[str] = []

    def audit(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and args and str(args[0]).endswith("secret.txt"):
            opened.append(str(args[0]))

    sys.addaudithook(audit)  # cannot be removed; it only records opens of this test's file
    result = checker.engine(root)
    assert opened == []
    assert any("DOCTYPE" in n for n in notes_for(result, "Leak__c.field-meta.xml"))
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]
    for fmt in ("json", "sarif", "text"):
        _code, out, _ = checker.cli("check", str(root), "--no-cache", "--format", fmt)
        assert "TOP-SECRET-CONTENT-42" not in out
    assert opened == []


def test_billion_laughs_stays_small(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, "objects/Patient__c/fields/Laugh__c.field-meta.xml", _billion_laughs())
    _write(
        root,
        "objects/Patient__c/Patient__c.object-meta.xml",
        _billion_laughs().replace(b"CustomField", b"CustomObject"),
    )
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = checker.engine(root)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB: entities were expanded?"
    assert any("DOCTYPE" in n for n in notes_for(result, "Laugh__c.field-meta.xml"))


def test_xml_refusal_is_reported_even_when_no_metadata_rule_runs(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    """The PHI model reads field metadata whatever rules are selected: a field file it had to refuse
    means a PHI field may be missing from the model, so the run says so."""
    from phi_lint.rules import default_registry

    apex_only = [r.id for r in default_registry().static_rules() if "xml" not in r.languages]
    if not apex_only:
        pytest.skip("every registered rule reads XML")
    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, "objects/Patient__c/fields/Laugh__c.field-meta.xml", _billion_laughs())
    _code, out, _err = checker.cli(
        "check", str(root), "--no-cache", "--select", apex_only[0], "--format", "json"
    )
    notes = json.loads(out)["runs"][0]["notifications"]
    assert any(n["path"].endswith("Laugh__c.field-meta.xml") and "DOCTYPE" in n["message"] for n in notes), (
        notes
    )


def test_symlink_loops(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    classes = root / "force-app/main/default/classes"
    (classes / "loop").symlink_to(classes, target_is_directory=True)  # a directory that contains itself
    (root / "force-app/main/default/lwc").mkdir()
    (root / "force-app/main/default/lwc/a").symlink_to(root / "force-app/main/default/lwc/b")
    (root / "force-app/main/default/lwc/b").symlink_to(root / "force-app/main/default/lwc/a")
    (classes / "Self.cls").symlink_to(classes / "Self.cls")  # a file link to itself
    (classes / "Dangling.cls").symlink_to(classes / "Missing.cls")
    result = checker.engine(root)
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]
    # The loop through `loop/` does not analyse Healthy.cls twice.
    assert len([f for f in result.findings if f.location.path.endswith("Healthy.cls")]) == 1
    assert any("cannot read" in n for n in notes_for(result, "Self.cls")), result.notifications
    assert any("cannot read" in n for n in notes_for(result, "Dangling.cls")), result.notifications
    code, out, err = checker.cli("check", str(root), "--no-cache")
    assert code == 3, err  # unreadable files make the run incomplete
    assert "Self.cls" in out and "Healthy.cls" in out
    code, out, err = checker.cli("check", str(classes / "Self.cls"), "--no-cache")
    assert code in (2, 3) and "internal error" not in err, err


def test_path_that_does_not_exist(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    missing = root / "force-app/main/default/classes/Nope.cls"
    result = checker.engine(root, paths=[missing, root / "force-app"])
    assert any("does not exist" in n for n in notes_for(result, "Nope.cls"))
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]
    code, out, err = checker.cli("check", str(missing), str(root / "force-app"), "--no-cache")
    assert code == 2 and "Nope.cls" in err
    assert "Healthy.cls:2:" in out  # the existing path was still checked and reported


def test_files_that_vanish_or_become_unreadable_during_the_scan(
    make_project, checker: Checker, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from phi_lint.project import Project

    root = make_project(
        {
            "classes/Healthy.cls": HEALTHY,
            "classes/Vanishing.cls": HEALTHY.replace("Healthy", "Vanishing"),
            "classes/Locked.cls": HEALTHY.replace("Healthy", "Locked"),
            "lwc/locked/locked.js": "export default class {}\n",
        }
    )
    original_iter = Project.iter_files

    def iter_then_delete(self: Project, paths):  # type: ignore[no-untyped-def]
        files = list(original_iter(self, paths))
        (root / "force-app/main/default/classes/Vanishing.cls").unlink(missing_ok=True)
        yield from files

    original_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        # Running as root, chmod 000 does not stop reads: simulate EACCES instead.
        if self.name in ("Locked.cls", "locked.js"):
            raise PermissionError(13, "Permission denied", str(self))
        return original_read(self)

    monkeypatch.setattr(Project, "iter_files", iter_then_delete)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = checker.engine(root)
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]
    for name in ("Vanishing.cls", "Locked.cls", "locked.js"):
        notes = notes_for(result, name)
        assert any("cannot read" in n for n in notes), (name, result.notifications)
    assert result.incomplete
    code, out, err = checker.cli("check", str(root), "--no-cache")
    assert code == 3, err
    assert "Locked.cls" in out and "Healthy.cls:2:" in out


def test_huge_file_under_the_limit_is_analysed_in_reasonable_time(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    """A 1 MB single-line class and a 1 MB single-line LWC module (minified code): analysed, not skipped,
    without quadratic blow-ups."""
    apex = "public class Big { " + " ".join(f"Integer v{i} = {i};" for i in range(50_000)) + " }"
    js = "export default class Big { " + " ".join(f"v{i} = {i};" for i in range(70_000)) + " }"
    root = make_project({"classes/Healthy.cls": HEALTHY, "classes/Big.cls": apex, "lwc/big/big.js": js})
    started = time.monotonic()
    result = checker.engine(root)
    assert time.monotonic() - started < 60
    assert not notes_for(result, "Big.cls") and not notes_for(result, "big.js")
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]


def _stack_errors(result: Any) -> list[str]:
    return [
        f"{n.rule_id or '(prepare)'} on {n.path or '(project)'}: {n.message}"
        for n in result.notifications
        if n.kind is NotificationKind.RULE_ERROR
        and ("nested too deeply" in n.message or "Recursion" in n.message)
    ]


def _deep_project(make_project, cases: list[Case]) -> Path:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    for case in cases:
        _write(root, case.path, case.content)
    return root


def test_deep_apex_expressions_do_not_exhaust_the_stack(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = _deep_project(make_project, [c for c in CASES if c.name.startswith("deep-apex")])
    assert _stack_errors(checker.engine(root)) == []


def test_deep_js_expressions_do_not_exhaust_the_stack(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = _deep_project(make_project, [c for c in CASES if c.name == "deep-js"])
    assert _stack_errors(checker.engine(root)) == []


def test_deep_markup_and_xml_do_not_exhaust_the_stack(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = _deep_project(make_project, [c for c in CASES if c.name in ("deep-html", "deep-aura", "deep-xml")])
    result = checker.engine(root)
    assert _stack_errors(result) == []
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]


def test_a_looping_symlink_does_not_break_project_analysis(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/Healthy.cls": HEALTHY})
    classes = root / "force-app/main/default/classes"
    (classes / "Self.cls").symlink_to(classes / "Self.cls")
    result = checker.engine(root)
    assert [n.message for n in result.notifications if n.kind is NotificationKind.RULE_ERROR] == []


def test_file_name_that_is_not_utf8(make_project, checker: Checker, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Linux allows any bytes in a name; Python hands them over as lone surrogates, which no report can
    encode (every format crashed with UnicodeEncodeError)."""
    import os

    root = make_project({"classes/Healthy.cls": HEALTHY})
    odd = os.fsencode(root / "force-app/main/default/classes") + b"/Caf\xe9.cls"
    with open(odd, "w", encoding="utf-8") as handle:
        handle.write(_apex_with_marker_at(2))
    result = checker.engine(root)
    assert finding_lines(result, "core/invalid-suppression", "Caf\ufffd.cls") == [2]
    for fmt, (code, text) in checker.all_formats(root, tmp_path).items():
        assert code == 1, (fmt, text)
        assert "internal error" not in text and "Caf" in text and "Healthy.cls" in text, fmt


@pytest.mark.parametrize("encoding", ["TTF-8", "UTF-32", "utf-7", "x" * 300])
def test_xml_declaring_an_unknown_or_multibyte_encoding(
    encoding: str, make_project, checker: Checker
) -> None:  # type: ignore[no-untyped-def]
    """Found by test_fuzz: a flipped byte in `encoding="UTF-8"` made expat raise LookupError, which
    escaped the XML reader and ended the whole run (the PHI model reads field files too)."""
    xml = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata"><fullName>Odd__c</fullName>'
        "</CustomField>\n"
    ).encode()
    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, "objects/Patient__c/fields/Odd__c.field-meta.xml", xml)
    result = checker.engine(root)
    assert any("encoding" in n for n in notes_for(result, "Odd__c.field-meta.xml")), result.notifications
    assert finding_lines(result, "core/invalid-suppression", HEALTHY_PATH) == [2]


def test_terminal_escape_sequences_in_code_do_not_reach_the_terminal(make_project, checker: Checker) -> None:  # type: ignore[no-untyped-def]
    """An ESC sequence in a file (quoted by a syntax-error notification or a finding message) could clear
    the screen, rewrite lines or set the clipboard (OSC 52) of whoever reads the text report."""
    evil = "public class E { \x1b]52;c;aGk=\x07 \x1b[2J ;; ) }\n// phi-lint: ignore[x\x1b[31m] reason\n"
    root = make_project({"classes/E.cls": evil})
    code, out, _ = checker.cli("check", str(root), "--no-cache", "--color", "never")
    assert code == 1
    assert "E.cls:2:" in out and "syntax error" in out
    assert not any(ch in out for ch in "\x1b\x07\x00"), repr(out)


def test_files_over_the_size_limit_are_never_parsed(
    make_project,
    checker: Checker,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from phi_lint import engine, parsing

    root = make_project({"classes/Healthy.cls": HEALTHY})
    _write(root, "classes/Huge.cls", b"public class Huge { String s = '" + b"x" * (5 * 1024 * 1024) + b"'; }")
    parsed: list[int] = []
    original = parsing.parse

    def recording(kind: str, source: bytes):  # type: ignore[no-untyped-def]
        parsed.append(len(source))
        return original(kind, source)

    monkeypatch.setattr(parsing, "parse", recording)
    result = checker.engine(root)
    assert any("limit" in n for n in notes_for(result, "Huge.cls"))
    assert max(parsed) <= engine.MAX_FILE_BYTES
