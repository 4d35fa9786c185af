"""phi-lint.toml (or `[tool.phi-lint]` in pyproject.toml): rule selection, PHI patterns, sinks, options.

Every key is declared in SCHEMA below; unknown keys and unknown rule ids are errors that name the file
and line, so a typo never silently disables a check.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phi_lint.phi import PhiSettings
from phi_lint.rules import Registry, RuleMeta, selector_matches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILE = "phi-lint.toml"

# key -> expected type ("list" of strings, "str", "int", "bool", "table")
TOP_LEVEL: dict[str, str] = {
    "select": "list",
    "ignore": "list",
    "extend-select": "list",
    "per-file-ignores": "table",
    "exclude": "list",
    "cache-dir": "str",
    "jobs": "int",
    "phi": "table",
    "sinks": "table",
    "rules": "table",
}
PHI_KEYS: dict[str, str] = {
    "fields": "list",
    "objects": "list",
    "not_phi": "list",
    "labels": "list",
    "compliance_groups": "list",
    "security_classifications": "list",
    "builtin_catalogue": "bool",
}
# Extra sinks by kind: each a list of `Class.method` patterns (`*` allowed), e.g. log = ["AppLog.*"].
SINK_KEYS: dict[str, str] = {"log": "list", "email": "list", "callout": "list", "analytics": "list"}


class ConfigError(Exception):
    """A problem in a configuration file: shown as `path:line: message`, exit code 2."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or "configuration"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.args[0]}"


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    cache_dir: str = ".phi-lint-cache"
    jobs: int = 0
    phi: PhiSettings = field(default_factory=PhiSettings)
    sinks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: str = ""

    def is_enabled(self, rule: RuleMeta) -> bool:
        """Like ruff: an exact id beats a prefix; preview and deprecated rules run only when named."""
        if rule.id in self.ignore:
            return False
        if rule.id in self.select or rule.id in self.extend_select:
            return True
        if rule.status != "stable" or any(selector_matches(s, rule.id) for s in self.ignore):
            return False
        if any(selector_matches(s, rule.id) for s in self.extend_select):
            return True
        return not self.select or any(selector_matches(s, rule.id) for s in self.select)

    def ignored_for_path(self, rule_id: str, rel_path: str) -> bool:
        for pattern, selectors in self.per_file_ignores.items():
            path_matches = fnmatch.fnmatchcase(rel_path, pattern) or fnmatch.fnmatchcase(
                rel_path, f"*/{pattern}"
            )
            if path_matches and any(selector_matches(s, rule_id) for s in selectors):
                return True
        return False

    def options_for(self, rule: RuleMeta) -> dict[str, Any]:
        merged = dict(rule.options)
        merged.update(self.rule_options.get(rule.id, {}))
        return merged

    def digest(self) -> str:
        """Hash of everything that can change results; part of the cache key."""
        blob = json.dumps(
            {
                "select": self.select,
                "ignore": self.ignore,
                "extend": self.extend_select,
                "pfi": sorted((k, list(v)) for k, v in self.per_file_ignores.items()),
                "phi": repr(self.phi),
                "sinks": sorted((k, list(v)) for k, v in self.sinks.items()),
                "opts": sorted((k, sorted(v.items())) for k, v in self.rule_options.items()),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _line_of_key(text: str, key: str, table: str | None = None) -> int | None:
    quoted = re.escape(key)
    patterns = [rf"^\s*\[\s*{quoted}\s*\]", rf'^\s*"?{quoted}"?\s*=', rf'^\s*\[[^\]]*"{quoted}"']
    if table:
        patterns.insert(0, rf'^\s*\[\s*{re.escape(table)}\s*\.\s*"?{quoted}"?\s*\]')
    for number, line in enumerate(text.splitlines(), start=1):
        if any(re.search(p, line) for p in patterns):
            return number
    return None


def _check_type(value: object, kind: str) -> bool:
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, dict)


_TYPE_WORDS = {
    "list": "a list of strings",
    "str": "a string",
    "int": "an integer",
    "bool": "true or false",
    "table": "a table",
}


def _validate_table(
    data: Mapping[str, Any], schema: Mapping[str, str], text: str, source: str, prefix: str = ""
) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(
                f"unknown key `{name}` (known: {known})",
                source,
                _line_of_key(text, key, prefix.rstrip(".") or None),
            )
        if not _check_type(value, schema[key]):
            raise ConfigError(f"`{name}` must be {_TYPE_WORDS[schema[key]]}", source, _line_of_key(text, key))


def _check_selectors(selectors: list[str], key: str, registry: Registry, text: str, source: str) -> None:
    for selector in selectors:
        if not registry.is_known_selector(selector):
            raise ConfigError(
                f"unknown rule id or prefix `{selector}` in `{key}`",
                source,
                _line_of_key(text, selector) or _line_of_key(text, key),
            )


def parse_config(data: Mapping[str, Any], registry: Registry, text: str = "", source: str = "") -> Config:
    _validate_table(data, TOP_LEVEL, text, source)
    for key in ("select", "ignore", "extend-select"):
        _check_selectors(list(data.get(key, [])), key, registry, text, source)
    per_file: dict[str, tuple[str, ...]] = {}
    for pattern, selectors in dict(data.get("per-file-ignores", {})).items():
        if not _check_type(selectors, "list"):
            raise ConfigError(
                f'`per-file-ignores."{pattern}"` must be a list of rule ids',
                source,
                _line_of_key(text, pattern),
            )
        _check_selectors(selectors, "per-file-ignores", registry, text, source)
        per_file[pattern] = tuple(selectors)
    phi_table = dict(data.get("phi", {}))
    _validate_table(phi_table, PHI_KEYS, text, source, "phi.")
    defaults = PhiSettings()
    phi = PhiSettings(
        fields=tuple(phi_table.get("fields", ())),
        objects=tuple(phi_table.get("objects", ())),
        not_phi=tuple(phi_table.get("not_phi", ())),
        labels=tuple(phi_table.get("labels", ())),
        compliance_groups=tuple(phi_table.get("compliance_groups", defaults.compliance_groups)),
        security_classifications=tuple(phi_table.get("security_classifications", ())),
        builtin_catalogue=bool(phi_table.get("builtin_catalogue", True)),
    )
    sinks_table = dict(data.get("sinks", {}))
    _validate_table(sinks_table, SINK_KEYS, text, source, "sinks.")
    rule_options: dict[str, dict[str, Any]] = {}
    for rule_id, options in dict(data.get("rules", {})).items():
        rule = registry.find(rule_id)
        if rule is None:
            raise ConfigError(
                f"unknown rule id `{rule_id}` in [rules]", source, _line_of_key(text, rule_id, "rules")
            )
        if not isinstance(options, dict):
            raise ConfigError(f'`rules."{rule_id}"` must be a table', source, _line_of_key(text, rule_id))
        for option in options:
            if option not in rule.options:
                known = ", ".join(sorted(rule.options)) or "none"
                raise ConfigError(
                    f"unknown option `{option}` for {rule_id} (known: {known})",
                    source,
                    _line_of_key(text, option),
                )
        rule_options[rule_id] = dict(options)
    jobs = int(data.get("jobs", 0))
    if jobs < 0:
        raise ConfigError("`jobs` must be 0 (all cores) or more", source, _line_of_key(text, "jobs"))
    return Config(
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        extend_select=tuple(data.get("extend-select", ())),
        per_file_ignores=per_file,
        exclude=tuple(data.get("exclude", ())),
        cache_dir=str(data.get("cache-dir", ".phi-lint-cache")),
        jobs=jobs,
        phi=phi,
        sinks={k: tuple(v) for k, v in sinks_table.items()},
        rule_options=rule_options,
        source=source,
    )


def load_config_file(path: Path, registry: Registry, display: str | None = None) -> Config:
    source = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read configuration: {exc.strerror or exc}", source) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("configuration is not valid UTF-8", source) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"invalid TOML: {exc}", source, int(match.group(1)) if match else None) from exc
    except RecursionError as exc:  # tomllib recurses per nested array/table
        raise ConfigError("invalid TOML: nested too deeply", source) from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("phi-lint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError("[tool.phi-lint] must be a table", source)
    return parse_config(data, registry, text, source)


def find_config(root: Path) -> Path | None:
    candidate = root / CONFIG_FILE
    if candidate.is_file():
        return candidate
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, RecursionError):
            return None
        tool = data.get("tool", {})
        if isinstance(tool, dict) and "phi-lint" in tool:
            return pyproject
    return None
