"""Finding the files of an sfdx project."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from phi_lint.config import Config
from phi_lint.project import ForceIgnore, file_kind, find_root, open_project

# An Experience Cloud LWR site's folder.
LWR_SITE = "force-app/main/default/digitalExperiences/site/Clinic1"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("force-app/main/default/classes/A.cls", "apex"),
        ("force-app/main/default/triggers/T.trigger", "apex"),
        ("force-app/main/default/lwc/card/card.js", "js"),
        ("force-app/main/default/lwc/card/card.html", "template"),
        ("force-app/main/default/lwc/card/__tests__/card.test.js", None),
        (f"{LWR_SITE}/sfdc_cms__lwc/visitCard/visitCard.js", "js"),
        (f"{LWR_SITE}/sfdc_cms__lwc/visitCard/visitCard.html", "template"),
        (f"{LWR_SITE}/sfdc_cms__view/home/content.json", None),
        ("force-app/main/default/email/Clinic_Notices/Visit_Summary.email", "email"),
        ("force-app/main/default/email/Clinic_Notices/Visit_Summary.email-meta.xml", "xml"),
        ("force-app/main/default/staticresources/notes.email", None),
        ("force-app/main/default/aura/Box/Box.cmp", "aura"),
        ("force-app/main/default/aura/Box/BoxController.js", "js"),
        ("force-app/main/default/staticresources/jquery.js", None),
        ("force-app/main/default/classes/A.cls-meta.xml", None),
        ("force-app/main/default/objects/P__c/fields/S__c.field-meta.xml", "xml"),
        ("src/objects/P__c.object", "xml"),
        ("force-app/main/default/permissionsets/Admin.permissionset-meta.xml", "xml"),
        ("force-app/main/default/connectedApps/App.connectedApp-meta.xml", "xml"),
        ("docs/index.html", None),
    ],
)
def test_file_kinds(path: str, kind: str | None) -> None:
    assert file_kind(PurePosixPath(path)) == kind


def test_forceignore_semantics() -> None:
    ignore = ForceIgnore(
        [
            "# comment",
            "**/jsconfig.json",
            "force-app/main/default/classes/Legacy*",
            "profiles/",
            "!force-app/main/default/classes/LegacyKeep.cls",
        ]
    )
    assert ignore.ignored("force-app/main/default/lwc/jsconfig.json")
    assert ignore.ignored("force-app/main/default/classes/LegacyOne.cls")
    assert not ignore.ignored("force-app/main/default/classes/LegacyKeep.cls")
    assert ignore.ignored("force-app/main/default/profiles", is_dir=True)
    assert not ignore.ignored("force-app/main/default/classes/Current.cls")


def test_project_walk_honours_forceignore_and_package_dirs(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "classes/A.cls": "public class A {}",
            "classes/Old.cls": "public class Old {}",
            "./scripts/apex/anon.cls": "System.debug(1);",
        }
    )
    (root / ".forceignore").write_text("**/Old.cls\n")
    (root / "sfdx-project.json").write_text(
        '{"packageDirectories": [{"path": "force-app"}], "sourceApiVersion": "61.0"}'
    )
    project = open_project(root, Config())
    files = [project.relative(p) for p in project.iter_files(project.package_dirs)]
    assert files == [
        "force-app/main/default/classes/A.cls",
        "force-app/main/default/objects/Patient__c/fields/SSN__c.field-meta.xml",
    ]
    assert project.api_version_for(root / "force-app/main/default/classes/A.cls") == 61.0
    (root / "force-app/main/default/classes/A.cls-meta.xml").write_text(
        '<?xml version="1.0"?><ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<apiVersion>67.0</apiVersion><status>Active</status></ApexClass>"
    )
    assert open_project(root, Config()).api_version_for(root / "force-app/main/default/classes/A.cls") == 67.0


def test_find_root_walks_up(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/A.cls": "public class A {}"})
    assert find_root(root / "force-app/main/default/classes/A.cls") == root.resolve()
    assert find_root(root / "force-app") == root.resolve()


def test_symlink_loop_and_missing_path_do_not_crash(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/A.cls": "public class A {}"})
    (root / "force-app/main/default/classes/loop").symlink_to(root / "force-app")
    project = open_project(root, Config())
    files = list(project.iter_files([root / "force-app", root / "nope"]))
    assert [f.name for f in files].count("A.cls") == 1
    assert any("does not exist" in n.message for n in project.notifications)


def test_bad_sfdx_project_json_is_a_notification(tmp_path: Path) -> None:
    (tmp_path / "sfdx-project.json").write_text("{oops")
    project = open_project(tmp_path, Config())
    assert project.package_dirs == [tmp_path]
    assert "cannot read sfdx-project.json" in project.notifications[0].message


def test_the_root_stands_for_its_package_directories(make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "classes/A.cls": "public class A {}",
            "./scripts/apex/Anon.cls": "public class Anon {}",
            "./unpackaged/classes/T.cls": "public class %%%NS%%%T {}",
        }
    )
    project = open_project(root, Config())
    names = sorted(p.name for p in project.iter_files([root]))
    assert names == ["A.cls", "SSN__c.field-meta.xml"]
    # Named explicitly, a directory outside the packages is still checked.
    assert [p.name for p in project.iter_files([root / "scripts"])] == ["Anon.cls"]
    # A package directory itself, or a folder inside it, is walked as is.
    assert [p.name for p in project.iter_files([root / "force-app/main/default/classes"])] == ["A.cls"]


def test_facts_load_only_the_deferred_facts_of_the_packages_asked_for() -> None:
    """Before forking, the engine loads the deferred facts of the packages it analyses files of: loading
    another package's may mean rebuilding it (the Apex summaries), for workers that never read it."""
    from phi_lint.project import Deferred, Facts

    loaded: list[str] = []

    def load(name: str) -> Deferred:
        return Deferred(lambda: loaded.append(name) or name, "apex" if name.startswith("apex") else "")

    facts = Facts({"apex": load("apex"), "meta": load("meta"), "lwc": "plain"})
    facts.load_all({"lwc"})
    assert loaded == ["meta"]  # a fact of an unknown package is loaded, to be safe
    assert isinstance(dict.get(facts, "apex"), Deferred)
    facts.load_all()
    assert loaded == ["meta", "apex"] and facts["apex"] == "apex"


def test_a_walk_for_some_kinds_lists_the_files_a_full_walk_lists_of_those_kinds(make_project) -> None:  # type: ignore[no-untyped-def]
    """What the engine walks for prepare() when one class is checked (only the kinds prepare reads)."""
    from phi_lint import engine

    root = make_project(
        {
            "classes/A.cls": "public class A {}",
            "classes/A.cls-meta.xml": "<ApexClass/>",
            "triggers/T.trigger": "trigger T on Account (before insert) {}",
            "lwc/card/card.js": "export default class {}",
            "lwc/card/card.html": "<template></template>",
            "lwc/card/A.cls": "public class InComponent {}",
        }
    )
    project = open_project(root, Config())
    every = list(project.iter_files(project.package_dirs))
    apex = list(project.iter_files(project.package_dirs, {"apex"}))
    assert apex == [p for p in every if file_kind(p) == "apex"]
    assert sorted(p.name for p in apex) == ["A.cls", "A.cls", "T.trigger"]
    assert [p.name for p in project.iter_files(project.package_dirs, {"template"})] == ["card.html"]
    checked = root / "force-app/main/default/lwc/card/card.js"
    for_one = engine._project_files(project, [checked], [checked], {"apex"})
    assert for_one == sorted([*apex, checked])
    # No package prepares for the checked kinds: no walk at all.
    assert engine._project_files(project, [checked], [checked], set()) == [checked]


def test_a_run_that_finds_nothing_to_check_says_so(make_project, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """ "0 files" must not look like a clean project: the wrong folder, or a layout phi-lint does not
    read, gets a warning naming the path; it is not a fault of the run (exit 0, not 3)."""
    from phi_lint.cli import main

    elsewhere = tmp_path / "docs"
    elsewhere.mkdir()
    (elsewhere / "notes.md").write_text("# notes\n")
    assert main(["check", str(elsewhere), "--no-cache"]) == 0
    assert "nothing to check under this folder" in capsys.readouterr().out

    root = make_project({"classes/Visit.cls": "public with sharing class Visit {}\n"})
    (root / "README.md").write_text("read me\n")
    assert main(["check", str(root / "README.md"), "--no-cache"]) == 0
    assert "README.md: nothing to check here" in capsys.readouterr().out
    # A project with something to read has no such warning.
    assert main(["check", str(root), "--no-cache"]) == 0
    assert "nothing to check" not in capsys.readouterr().out


def _age(root: Path, seconds: float = 60.0) -> None:
    """Every folder and file under `root` modified `seconds` ago (a listing of a folder modified in
    the last two seconds is never remembered: see cache.FolderMemo)."""
    import os
    import time

    when = time.time() - seconds
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (when, when))
        os.utime(dirpath, (when, when))


def test_the_listings_are_remembered_while_no_listed_folder_changes(
    make_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import os

    from phi_lint.cache import Cache
    from phi_lint.project import _metadata_files

    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "tests-listings-secret-0123456789abcdef")
    root = make_project({"classes/A.cls": "public class A {}", "lwc/card/card.js": "export default 1;"})
    classes = root / "force-app/main/default/classes"
    fields = root / "force-app/main/default/objects/Patient__c/fields"

    def listings(*, cached: bool = True) -> tuple[list[str], list[str], tuple[int, int]]:
        cache = Cache.open(tmp_path / "cache") if cached else None
        project = open_project(root, Config(), cache)
        walked = [project.relative(p) for p in project.iter_files([root], ("apex",))]
        meta = [m.path for m in _metadata_files(project)]
        counts = (project.listings.reused, project.listings.computed) if project.listings else (0, 0)
        return walked, meta, counts

    def same_as_uncached() -> tuple[int, int]:
        walked, meta, counts = listings()
        assert (walked, meta) == listings(cached=False)[:2]
        return counts

    # (reused, computed) of the run's three listings: the PHI model's metadata listing, the walk,
    # the test's metadata listing (the same as the first, so reused once stored).
    _age(root)
    assert same_as_uncached() == (1, 2)
    assert same_as_uncached() == (3, 0)
    # A class added, renamed, deleted; a field file added: each seen at once. (The metadata listing
    # lists the package's folders too: it is made again as well.)
    (classes / "B.cls").write_text("public class B {}")
    assert same_as_uncached() == (0, 3)
    assert listings()[0] == ["force-app/main/default/classes/A.cls", "force-app/main/default/classes/B.cls"]
    assert same_as_uncached() == (0, 3)  # modified in the last two seconds: not remembered
    _age(root)
    assert same_as_uncached() == (1, 2)  # remembered now
    assert same_as_uncached() == (3, 0)
    before = classes.stat()
    (classes / "B.cls").rename(classes / "C.cls")
    # The folder's mtime set back to the one remembered (as an archive extracted over the tree
    # would): its ctime still tells.
    os.utime(classes, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert same_as_uncached() == (1, 2)
    assert listings()[0][-1] == "force-app/main/default/classes/C.cls"
    (classes / "C.cls").unlink()
    assert same_as_uncached() == (0, 3)
    (fields / "MRN__c.field-meta.xml").write_text((fields / "SSN__c.field-meta.xml").read_text())
    _age(root)
    assert same_as_uncached() == (1, 2)
    assert any(path.endswith("/MRN__c.field-meta.xml") for path in listings()[1])
    # A folder behind a symbolic link may change without any listed folder changing: not remembered.
    os.symlink(classes, root / "force-app/main/default/linked")
    _age(root)
    assert same_as_uncached() == (1, 2)
    assert same_as_uncached() == (2, 1)  # the walk, every time
