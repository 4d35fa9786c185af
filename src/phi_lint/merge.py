"""`phi-lint merge`: join SARIF files (static + sweep, or sweep shards) into one file with one run per
category. Runs of the same category (`automationDetails.id`) become one run: rule descriptors are
united by id, `ruleIndex` is recomputed, results are ordered deterministically."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class MergeError(Exception):
    """An input that is not a SARIF 2.1.0 log; the other inputs are still merged."""


def read_sarif(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MergeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MergeError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != "2.1.0" or not isinstance(data.get("runs"), list):
        raise MergeError(f"{path}: not a SARIF 2.1.0 log (needs version 2.1.0 and a runs array)")
    for index, run in enumerate(data["runs"]):
        if not isinstance(run, dict) or not isinstance(
            run.get("tool", {}).get("driver", {}).get("name"), str
        ):
            raise MergeError(f"{path}: run {index} has no tool.driver.name")
        if not isinstance(run.get("results", []), list):
            raise MergeError(f"{path}: run {index} has a results value that is not an array")
    return data


def _category(run: dict[str, Any]) -> str:
    details = run.get("automationDetails") or {}
    return str(details.get("id") or run["tool"]["driver"]["name"] + "/")


def _result_key(result: dict[str, Any]) -> tuple[str, str, int, int, str]:
    loc = (result.get("locations") or [{}])[0].get("physicalLocation", {})
    region = loc.get("region", {})
    return (
        loc.get("artifactLocation", {}).get("uri", ""),
        result.get("ruleId", ""),
        int(region.get("startLine", 0)),
        int(region.get("startColumn", 0)),
        json.dumps(result.get("partialFingerprints", {}), sort_keys=True),
    )


def merge_logs(logs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    rules: dict[str, dict[str, dict[str, Any]]] = {}
    seen_results: dict[str, set[str]] = {}
    for log in logs:
        for run in log["runs"]:
            category = _category(run)
            driver = run["tool"]["driver"]
            if category not in merged:
                merged[category] = {k: v for k, v in run.items() if k not in ("results", "invocations")}
                merged[category]["tool"] = {"driver": {k: v for k, v in driver.items() if k != "rules"}}
                merged[category]["results"] = []
                merged[category]["invocations"] = [{"executionSuccessful": True}]
                rules[category] = {}
                seen_results[category] = set()
            for rule in driver.get("rules", []) or []:
                rules[category].setdefault(rule["id"], rule)
            rule_ids = [r.get("id") for r in driver.get("rules", []) or []]
            for result in run.get("results", []):
                result = dict(result)
                if (
                    "ruleId" not in result
                    and isinstance(result.get("ruleIndex"), int)
                    and result["ruleIndex"] < len(rule_ids)
                ):
                    result["ruleId"] = rule_ids[result["ruleIndex"]]
                identity = json.dumps(result, sort_keys=True)
                if identity in seen_results[category]:  # the same page swept by two shards
                    continue
                seen_results[category].add(identity)
                merged[category]["results"].append(result)
            invocation = merged[category]["invocations"][0]
            for inv in run.get("invocations", []) or []:
                invocation["executionSuccessful"] = bool(
                    invocation["executionSuccessful"] and inv.get("executionSuccessful", True)
                )
                notes = inv.get("toolExecutionNotifications") or []
                if notes:
                    invocation.setdefault("toolExecutionNotifications", []).extend(notes)
    runs = []
    for category in sorted(merged):
        run = merged[category]
        ordered_rules = [rules[category][rule_id] for rule_id in sorted(rules[category])]
        index = {r["id"]: i for i, r in enumerate(ordered_rules)}
        run["tool"]["driver"]["rules"] = ordered_rules
        for result in run["results"]:
            if result.get("ruleId") in index:
                result["ruleIndex"] = index[result["ruleId"]]
            else:
                result.pop("ruleIndex", None)
        run["results"].sort(key=_result_key)
        runs.append(run)
    schema = next((log.get("$schema") for log in logs if log.get("$schema")), None)
    out: dict[str, Any] = {"version": "2.1.0", "runs": runs}
    if schema:
        out["$schema"] = schema
    return out
