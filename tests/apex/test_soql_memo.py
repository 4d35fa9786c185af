"""The SOQL model memoizes what a query text reads (its shape) per PHI model: the memo must never
change a result, share a mutable part between queries, outlive its model's answers or grow without
bound."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from phi_lint.analyzers.apex import soql
from phi_lint.config import Config, load_config_file
from phi_lint.context import FileContext
from phi_lint.fixture_harness import fixtures_dir
from phi_lint.project import Project, open_project
from phi_lint.rules import default_registry

CLASSES = "force-app/main/default/classes"
# Sub-query, relationship path, bind, TYPEOF and a comment: every part of a shape.
QUERY = """[SELECT Id, Patient__r.SSN__c, // a comment
            (SELECT Clinical_Notes__c FROM Encounters__r),
            TYPEOF What WHEN Patient__c THEN MRN__c ELSE Name END
            FROM Encounter__c WHERE Name = :name]"""
DYNAMIC = "Database.query('SELECT SSN__c, Name FROM Patient__c WHERE Name = :name')"


def _class(body: str) -> str:
    return "public with sharing class Sample {\n    void m(String name) {\n" + body + "\n    }\n}\n"


def _project(tmp_path: Path, code: str, with_objects: bool = True) -> FileContext:
    root = tmp_path / "project"
    if with_objects:
        shutil.copytree(fixtures_dir() / "_project", root)
    else:
        root.mkdir(parents=True)
        shutil.copy(fixtures_dir() / "_project" / "sfdx-project.json", root)
    path = root / CLASSES / "Sample.cls"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code, encoding="utf-8")
    project: Project = open_project(
        root, load_config_file(root / "phi-lint.toml", default_registry()) if with_objects else Config()
    )
    return FileContext(project, path, f"{CLASSES}/Sample.cls", "apex", code.encode("utf-8"), code)


def _described(query: soql.Query) -> dict[str, Any]:
    """Everything a Query says, nodes as (type, start, end) so that two parses of a file compare."""
    refs = [
        {
            **{k: v for k, v in vars(ref).items() if k != "node"},
            "node": (ref.node.type, ref.node.start_byte, ref.node.end_byte),
        }
        for ref in query.fields
    ]
    return {
        **{k: v for k, v in vars(query).items() if k not in ("node", "fields", "text_node", "holes")},
        "node": (query.node.type, query.node.start_byte, query.node.end_byte),
        "fields": refs,
    }


def _queries_without_memo(ctx: FileContext, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    ctx.release()
    with monkeypatch.context() as patch:
        patch.setattr(soql, "_shapes", soql._ShapeMemo())
        return [_described(q) for q in soql.queries(ctx)]


def test_repeated_query_texts_give_the_results_of_fresh_parses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _project(
        tmp_path, _class(f"List<Encounter__c> a = {QUERY};\nList<Encounter__c> b = {QUERY};\n{DYNAMIC};")
    )
    ctx.release()
    first = [_described(q) for q in soql.queries(ctx)]
    assert len(first) == 3
    ctx.release()
    again = [_described(q) for q in soql.queries(ctx)]  # every shape now comes from the memo
    assert again == first == _queries_without_memo(ctx, monkeypatch)
    # The two inline queries share a shape but each field is placed in its own query.
    a, b = first[0]["fields"], first[1]["fields"]
    assert [f["path"] for f in a] == [f["path"] for f in b]
    assert all(fa["start_byte"] < fb["start_byte"] for fa, fb in zip(a, b, strict=True))
    for query in soql.queries(ctx):
        for ref in query.fields:
            assert ctx.source[ref.start_byte : ref.end_byte].decode() == ref.path


def test_a_mutated_query_does_not_leak_into_the_next_lookup(tmp_path: Path) -> None:
    ctx = _project(tmp_path, _class(f"List<Encounter__c> a = {QUERY};\nList<Encounter__c> b = {QUERY};"))
    a, b = soql.queries(ctx)
    assert a.binds == b.binds == ["name"] and a.binds is not b.binds and a.fields is not b.fields
    a.binds.append("other")
    a.fields.clear()
    assert b.binds == ["name"] and len(b.fields) == 5
    ctx.release()
    rebuilt, _ = soql.queries(ctx)
    assert rebuilt.binds == ["name"] and len(rebuilt.fields) == 5


def test_a_new_phi_model_resolves_the_same_text_afresh(tmp_path: Path) -> None:
    code = _class("List<SObject> a = [SELECT Id, patient__r.Name FROM patient__c];")
    with_objects = _project(tmp_path / "one", code)
    without_objects = _project(tmp_path / "two", code, with_objects=False)
    # The project that declares Patient__c spells it as declared; the other keeps the query's spelling.
    assert soql.queries(with_objects)[0].objects == ("Patient__c",)
    assert soql.queries(without_objects)[0].objects == ("patient__c",)
    with_objects.release()
    assert soql.queries(with_objects)[0].objects == ("Patient__c",)


def test_the_memo_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _project(tmp_path, _class(""))
    memo = soql._ShapeMemo()
    monkeypatch.setattr(soql._ShapeMemo, "LIMIT", 3)
    texts = [f"SELECT Id, F{i}__c FROM Patient__c" for i in range(10)]
    for text in texts + texts:
        shape = memo.shape(text, False, ctx.phi)
        assert len(memo) <= 3
        assert [f.path for f in shape.fields] == ["Id", text.split()[2]]
