"""Configuration errors name the file and line and exit 2; a valid file changes what runs."""

from __future__ import annotations

import pytest

from phi_lint.cli import main
from phi_lint.config import ConfigError, load_config_file
from phi_lint.rules import default_registry


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('select = ["core/"]\nignroe = ["core/unused-suppression"]\n', "unknown key `ignroe`", 2),
        ('select = ["apex/no-such-rule"]\n', "unknown rule id or prefix `apex/no-such-rule`", 1),
        ("\n\n[phi]\nfeilds = ['SSN']\n", "unknown key `phi.feilds`", 4),
        ("select = 'core/'\n", "`select` must be a list of strings", 1),
        ("[phi\nfields = []\n", "invalid TOML", 1),
        ('[rules."core/nope"]\nx = 1\n', "unknown rule id `core/nope`", 1),
        ('[rules."core/invalid-suppression"]\nstrict = true\n', "unknown option `strict`", 2),
        ("jobs = -1\n", "`jobs` must be 0", 1),
    ],
)
def test_bad_config_names_file_and_line(tmp_path, text, message, line) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "phi-lint.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config_file(path, default_registry(), "phi-lint.toml")
    assert message in str(info.value)
    assert str(info.value).startswith(f"phi-lint.toml:{line}: ")


def test_cli_bad_config_is_one_line_and_exit_2(make_project, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = make_project({}, config="[phi]\nobjcts = ['Visit__c']\n")
    monkeypatch.chdir(root)
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert (
        err == "phi-lint: error: phi-lint.toml:2: unknown key `phi.objcts` (known: builtin_catalogue, "
        "compliance_groups, fields, labels, not_phi, objects, security_classifications)"
    )


def test_pyproject_tool_table_is_read(make_project, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"classes/A.cls": "public class A { // phi-lint: ignore[] x\n}\n"})
    (root / "pyproject.toml").write_text('[tool.phi-lint]\nignore = ["core/invalid-suppression"]\n')
    monkeypatch.chdir(root)
    assert main(["check"]) == 0
    (root / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    assert main(["check"]) == 1
    assert "core/invalid-suppression" in capsys.readouterr().out


def test_selection_semantics() -> None:
    from phi_lint.config import Config

    registry = default_registry()
    rule = registry.get("core/invalid-suppression")
    assert Config().is_enabled(rule)
    assert not Config(ignore=("core/",)).is_enabled(rule)
    assert Config(ignore=("core/",), select=("core/invalid-suppression",)).is_enabled(rule)
    assert not Config(select=("other/",)).is_enabled(rule)
    assert Config(select=("core/*-suppression",)).is_enabled(rule)


def test_cli_unknown_selector_is_an_error(make_project, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(make_project({}))
    assert main(["check", "--select", "core/typo"]) == 2
    assert "unknown rule id or prefix `core/typo` in --select" in capsys.readouterr().err
