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
    except RecursionError as exc:
        raise MergeError(f"{path}: not valid JSON: nested too deeply") from exc
    if not isinstance(data, dict) or data.get("version") != "2.1.0" or not isinstance(data.get("runs"), list):
        raise MergeError(f"{path}: not a SARIF 2.1.0 log (needs version 2.1.0 and a runs array)")
    for index, run in enumerate(data["runs"]):
        problem = _run_problem(run)
        if problem:
            raise MergeError(f"{path}: run {index} {problem}")
    if "$schema" in data and not isinstance(data["$schema"], str):
        raise MergeError(f"{path}: $schema is not a string")
    return data


def _is_list_of_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _run_problem(run: Any) -> str:
    """What is wrong with a run for merging (the parts merge_logs reads), or ''. A file with a malformed
    run is rejected as a whole: merging half of it would hide results without saying so."""
    if not isinstance(run, dict):
        return "is not an object"
    tool = run.get("tool")
    driver = tool.get("driver") if isinstance(tool, dict) else None
    if not isinstance(driver, dict) or not isinstance(driver.get("name"), str):
        return "has no tool.driver.name"
    rules = driver.get("rules", [])
    if not _is_list_of_objects(rules) or not all(isinstance(rule.get("id"), str) for rule in rules):
        return "has a tool.driver.rules value that is not an array of rules with an id"
    details = run.get("automationDetails", {})
    if not isinstance(details, dict) or not isinstance(details.get("id", ""), str):
        return "has an automationDetails value that is not an object with a string id"
    if not _is_list_of_objects(run.get("invocations", [])) or not all(
        _is_list_of_objects(inv.get("toolExecutionNotifications", [])) for inv in run.get("invocations", [])
    ):
        return "has an invocations value that is not an array of objects"
    results = run.get("results", [])
    if not isinstance(results, list):
        return "has a results value that is not an array"
    for number, result in enumerate(results):
        problem = _result_problem(result)
        if problem:
            return f"result {number} {problem}"
    return ""


def _result_problem(result: Any) -> str:
    if not isinstance(result, dict):
        return "is not an object"
    if not isinstance(result.get("message"), dict):
        return "has no message object"
    if "ruleId" in result and not isinstance(result["ruleId"], str):
        return "has a ruleId that is not a string"
    index = result.get("ruleIndex", 0)
    if not isinstance(index, int) or isinstance(index, bool):
        return "has a ruleIndex that is not an integer"
    if not isinstance(result.get("partialFingerprints", {}), dict):
        return "has partialFingerprints that are not an object"
    locations = result.get("locations", [])
    if not _is_list_of_objects(locations):
        return "has a locations value that is not an array of objects"
    for location in locations:
        physical = location.get("physicalLocation", {})
        if not isinstance(physical, dict):
            return "has a physicalLocation that is not an object"
        artifact = physical.get("artifactLocation", {})
        region = physical.get("region", {})
        if not isinstance(artifact, dict) or not isinstance(artifact.get("uri", ""), str):
            return "has an artifactLocation without a string uri"
        if not isinstance(region, dict):
            return "has a region that is not an object"
        for key in ("startLine", "startColumn", "endLine", "endColumn"):
            value = region.get(key, 1)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                return f"has a region {key} that is not a positive integer"
    return ""


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
