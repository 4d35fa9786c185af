"""sweep.toml parsing: pages with lines, steps, ignores; errors name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from phi_lint.sweep.config import SweepConfigError, load_sweep_config
from phi_lint.sweep.runner import PageSpec, select_shard


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pages_steps_ignores_and_lines(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    config = load_sweep_config(
        write(
            tmp_path,
            """
[sweep]
serve = "site"
timeout = 12
select = ["axe", "a11y"]
ignore = ["axe/region"]
phi_labels = ["Member #"]

[[pages]]
name = "Patients"
url = "/patients.html"
steps = [{ click = "#load" }, { fill = "input[name=q]", value = "ada" }, { wait_for = "table" }]

[[pages]]
url = "/chart.html"
ignore = [{ rule = "axe/color-contrast", reason = "brand colour, A11Y-12" }]
""",
        ),
        "sweep.toml",
    )
    assert [p.line for p in config.pages] == [9, 14]
    assert config.pages[0].steps[1].action == "fill" and config.pages[0].steps[1].value == "ada"
    assert config.pages[1].ignores[0].reason == "brand colour, A11Y-12"
    assert config.serve == (tmp_path / "site").resolve() and config.timeout == 12.0
    assert config.rule_enabled("axe/color-contrast") and not config.rule_enabled("axe/region")
    assert config.phi_labels == ("Member #",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[sweep]\ntimeot = 3\n", 2, "unknown key `timeot`"),
        ("[[pages]]\nname = 'x'\n", 1, "needs a `url`"),
        ("[[pages]]\nurl = '/a'\nignore = [{ rule = 'axe/region' }]\n", 1, "needs a `reason`"),
        ("[[pages]]\nurl = '/a'\nsteps = [{ tap = '#x' }]\n", 1, "exactly one of"),
        ("[sweep]\ntimeout = 'slow'\n", 2, "wrong type"),
        ("[sweep\n", 1, "invalid TOML"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    with pytest.raises(SweepConfigError) as info:
        load_sweep_config(write(tmp_path, text), "sweep.toml")
    assert info.value.line == line and words in str(info.value)
    assert str(info.value).startswith(f"sweep.toml:{line}:")


def test_shards_are_deterministic_disjoint_and_complete() -> None:
    pages = [PageSpec(url=f"/p{i}.html") for i in range(200)]
    shards = [select_shard(pages, k, 4) for k in range(1, 5)]
    assert sorted(p.url for s in shards for p in s) == sorted(p.url for p in pages)
    assert all(len(s) > 20 for s in shards)
    # Adding a page moves no other page to another shard.
    more = [*pages, PageSpec(url="/new.html")]
    assert all(set(select_shard(pages, k, 4)) <= set(select_shard(more, k, 4)) for k in range(1, 5))
    # Query strings and tokens do not change a page's shard.
    for k in range(1, 5):
        assert len(select_shard([PageSpec(url="/p1.html?x=1")], k, 4)) == len(
            select_shard([PageSpec(url="/p1.html")], k, 4)
        )
    with pytest.raises(ValueError):
        select_shard(pages, 5, 4)
