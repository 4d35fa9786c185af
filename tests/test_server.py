"""The warm server (`phi-lint server start|stop|status`): a check it answers is the check without it.

Each test runs the real command line in subprocesses against a temporary project, and tells a served
run from an in-process one by the server's request counter (`server status`), never by timing."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from phi_lint import cache as cache_mod
from phi_lint import server
from tests.conftest import MakeProject

REPO = Path(__file__).resolve().parents[1]
CLASSES = "force-app/main/default/classes"
LEAKY = """public with sharing class Leaky {
    public static void run(Id patientId) {
        Patient__c p = [SELECT SSN__c FROM Patient__c WHERE Id = :patientId WITH USER_MODE];
        System.debug(p.SSN__c);
    }
}
"""
CLEAN = """public with sharing class Clean {
    public static Integer twice(Integer n) {
        return n * 2;
    }
}
"""


@pytest.fixture
def project(make_project: MakeProject, tmp_path: Path) -> Iterator[Path]:
    root = make_project({"classes/Leaky.cls": LEAKY, "classes/Clean.cls": CLEAN})
    yield root
    _run(root, tmp_path, "server", "stop")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != server.ENV_DISABLE}
    env.update(
        PYTHONPATH=str(REPO / "src"),
        PHI_LINT_CACHE_KEY="server-tests",
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
    )
    env.update(extra)
    return env


def _run(root: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "phi_lint", *args],
        cwd=root,
        env=_env(tmp_path, **env),
        capture_output=True,
        timeout=120,
        check=False,
    )


def _requests(root: Path, tmp_path: Path) -> int | None:
    done = _run(root, tmp_path, "server", "status")
    if done.returncode != 0:
        return None
    match = re.search(rb"requests served: (\d+)", done.stdout)
    assert match, done.stdout
    return int(match.group(1))


def _server_pid(root: Path, tmp_path: Path) -> int:
    done = _run(root, tmp_path, "server", "status")
    match = re.search(rb"pid: (\d+)", done.stdout)
    assert match, done.stdout + done.stderr
    return int(match.group(1))


def _start(root: Path, tmp_path: Path) -> None:
    done = _run(root, tmp_path, "server", "start")
    assert done.returncode == 0, done.stderr
    assert _requests(root, tmp_path) == 0


def _warm_entries(root: Path, tmp_path: Path) -> int:
    done = _run(root, tmp_path, "server", "status")
    match = re.search(rb"cache entries in memory: (\d+)", done.stdout)
    assert match, done.stdout
    return int(match.group(1))


def _both(
    root: Path, tmp_path: Path, *args: str, **env: str
) -> tuple[tuple[int, bytes, bytes], tuple[int, bytes, bytes]]:
    """(served, in-process) results of `phi-lint ARGS`; asserts the first was served by the server."""
    before = _requests(root, tmp_path)
    served = _run(root, tmp_path, *args, **env)
    assert _requests(root, tmp_path) == (before or 0) + 1, "the server did not answer"
    alone = _run(root, tmp_path, *args, **env, **{server.ENV_DISABLE: "1"})
    assert _requests(root, tmp_path) == (before or 0) + 1, "PHI_LINT_NO_SERVER was not obeyed"
    return (served.returncode, served.stdout, served.stderr), (alone.returncode, alone.stdout, alone.stderr)


def test_a_served_check_is_the_check_without_the_server(project: Path, tmp_path: Path) -> None:
    _start(project, tmp_path)
    socket_file = next((project / ".phi-lint-cache").glob("server-*.sock"))
    assert stat.S_IMODE(socket_file.stat().st_mode) == 0o600

    leaky, clean = f"{CLASSES}/Leaky.cls", f"{CLASSES}/Clean.cls"
    for args in (
        ("check", leaky),
        ("check", clean),
        ("check",),
        ("check", leaky, "--format", "json"),
        ("check", "--color", "always", leaky),
        ("check", f"{CLASSES}/Missing.cls"),  # exit 2
        ("check", "--select", "nosuch/", leaky),  # a configuration error: exit 2
        ("check", "--format", "nosuch"),  # argparse's usage error: exit 2
    ):
        served, alone = _both(project, tmp_path, *args)
        assert served == alone, args
    served, alone = _both(project, tmp_path, "check", leaky)
    assert served[0] == 1 and b"apex/phi-in-log" in served[1]
    assert _both(project, tmp_path, "check", clean)[0][0] == 0
    assert _both(project, tmp_path, "check", f"{CLASSES}/Missing.cls")[0][0] == 2

    # Reports written with -o: the same bytes.
    for fmt in ("json", "sarif"):
        out_served, out_alone = tmp_path / f"served.{fmt}", tmp_path / f"alone.{fmt}"
        before = _requests(project, tmp_path)
        a = _run(project, tmp_path, "check", leaky, "--format", fmt, "-o", str(out_served))
        b = _run(
            project, tmp_path, "check", leaky, "--format", fmt, "-o", str(out_alone), PHI_LINT_NO_SERVER="1"
        )
        assert _requests(project, tmp_path) == (before or 0) + 1
        assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)
        assert out_served.read_bytes() == out_alone.read_bytes()

    # An edit between two served runs is seen (the cache entries kept in memory are not stale).
    (project / clean).write_text(
        CLEAN.replace("return n * 2;", "System.debug([SELECT SSN__c FROM Patient__c]);")
    )
    served, alone = _both(project, tmp_path, "check", clean)
    assert served == alone and served[0] == 1 and b"phi-in-log" in served[1]
    (project / clean).write_text(CLEAN)
    served, alone = _both(project, tmp_path, "check", clean)
    assert served == alone and served[0] == 0

    # The entries the last check used are kept in memory, checked with the client's cache key (here
    # another than the server's own environment has): a check with them is the same check.
    assert _warm_entries(project, tmp_path) > 0
    for key in ("another-key", "another-key"):
        served, alone = _both(project, tmp_path, "check", leaky, PHI_LINT_CACHE_KEY=key)
        assert served == alone and served[0] == 1
    assert _warm_entries(project, tmp_path) > 0

    # From a subfolder (the child takes the client's working directory).
    before = _requests(project, tmp_path)
    a = _run(project / CLASSES, tmp_path, "check", "Leaky.cls")
    b = _run(project / CLASSES, tmp_path, "check", "Leaky.cls", PHI_LINT_NO_SERVER="1")
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)
    assert _requests(project, tmp_path) == (before or 0) + 1

    # A program that calls main() runs the check itself.
    before = _requests(project, tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from phi_lint.cli import main; sys.exit(main(sys.argv[1:]))",
            "check",
        ],
        cwd=project,
        env=_env(tmp_path),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert _requests(project, tmp_path) == before


def test_stop_and_a_killed_server(project: Path, tmp_path: Path) -> None:
    leaky = f"{CLASSES}/Leaky.cls"
    expected = _run(project, tmp_path, "check", leaky, PHI_LINT_NO_SERVER="1")

    _start(project, tmp_path)
    stopped = _run(project, tmp_path, "server", "stop")
    assert stopped.returncode == 0 and b"stopped" in stopped.stdout
    assert _run(project, tmp_path, "server", "status").returncode == 1
    assert not list((project / ".phi-lint-cache").glob("server-*.sock"))
    done = _run(project, tmp_path, "check", leaky)
    assert (done.returncode, done.stdout, done.stderr) == (
        expected.returncode,
        expected.stdout,
        expected.stderr,
    )

    # A server killed outright leaves its socket file: clients fall back at once, `start` replaces it.
    _start(project, tmp_path)
    os.kill(_server_pid(project, tmp_path), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _run(project, tmp_path, "server", "status").returncode == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert list((project / ".phi-lint-cache").glob("server-*.sock")), "the stale socket should remain"
    started = time.monotonic()
    done = _run(project, tmp_path, "check", leaky)
    assert time.monotonic() - started < 30
    assert (done.returncode, done.stdout, done.stderr) == (
        expected.returncode,
        expected.stdout,
        expected.stderr,
    )
    _start(project, tmp_path)
    served, alone = _both(project, tmp_path, "check", leaky)
    assert served == alone == (expected.returncode, expected.stdout, expected.stderr)


def _fake_server(path: Path, answer: bytes | None) -> tuple[socket.socket, list[int]]:
    """A socket at `path` that counts its connections and answers each with `answer` (None: never)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    here = os.getcwd()
    os.chdir(path.parent)  # a temporary folder's path may be longer than a socket address holds
    try:
        listener.bind(path.name)
    finally:
        os.chdir(here)
    listener.listen(8)
    connections: list[int] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            if answer is not None:
                conn.sendall(answer)
                conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return listener, connections


def test_a_socket_of_another_version_is_never_used(project: Path, tmp_path: Path) -> None:
    leaky = f"{CLASSES}/Leaky.cls"
    expected = _run(project, tmp_path, "check", leaky, PHI_LINT_NO_SERVER="1")
    other, connections = _fake_server(project / ".phi-lint-cache" / "server-0123456789abcdef.sock", b"")
    try:
        done = _run(project, tmp_path, "check", leaky)
    finally:
        other.close()
    assert connections == []
    assert (done.returncode, done.stdout, done.stderr) == (
        expected.returncode,
        expected.stdout,
        expected.stderr,
    )


# The client side alone, in its own process (real standard streams), with a short wait for the server.
CLIENT = """
import sys
from phi_lint import server
server.READY_TIMEOUT = 0.5
print(server.run_on_server(sys.argv[1:]))
"""


@pytest.mark.parametrize("answer", [None, b"\x00\x00\x00\x02garbage", b""])
def test_a_server_that_does_not_answer_properly_leaves_the_check_to_the_client(
    project: Path, tmp_path: Path, answer: bytes | None
) -> None:
    """Silent (hung), garbled or closing at once: the client runs the check itself (`run_on_server`
    returns None), without waiting for more than its timeouts."""
    cache_dir = project / ".phi-lint-cache"
    cache_dir.mkdir(exist_ok=True)
    fake, connections = _fake_server(cache_dir / server.socket_name(), answer)
    try:
        for disabled in ("", "1"):
            started = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-c", CLIENT, "check", f"{CLASSES}/Leaky.cls"],
                cwd=project,
                env=_env(tmp_path, PHI_LINT_NO_SERVER=disabled),
                capture_output=True,
                timeout=30,
                check=False,
            )
            assert done.stdout == b"None\n", done.stderr
            assert time.monotonic() - started < 10
    finally:
        fake.close()
    assert connections == [1]  # the first asked the server; PHI_LINT_NO_SERVER=1 did not


def test_ctrl_c_reaches_the_served_check(make_project: MakeProject, tmp_path: Path) -> None:
    # Long enough (tens of seconds without the interrupt) that it is interrupted while it runs.
    body = "\n".join(f"    Integer v{i} = {i};" for i in range(3000))
    root = make_project({f"classes/C{n}.cls": f"public class C{n} {{\n{body}\n}}\n" for n in range(400)})
    try:
        _start(root, tmp_path)
        client = subprocess.Popen(
            [sys.executable, "-m", "phi_lint", "check", "--no-cache", "--jobs", "1"],
            cwd=root,
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        cache_dir = str(root / ".phi-lint-cache")
        deadline = time.monotonic() + 30
        while (server.status(cache_dir) or {}).get("running") != 1:
            assert client.poll() is None, client.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.2)
        client.send_signal(signal.SIGINT)
        _, stderr = client.communicate(timeout=30)
        assert client.returncode == 130, stderr
        assert b"phi-lint: interrupted" in stderr
        deadline = time.monotonic() + 10
        while (server.status(cache_dir) or {}).get("running") != 0:
            assert time.monotonic() < deadline, "the child went on running"
            time.sleep(0.02)
    finally:
        _run(root, tmp_path, "server", "stop")


def test_cache_entries_kept_in_memory_are_served_only_while_their_bytes_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "warm-tests")
    monkeypatch.setattr(cache_mod, "_warm", {})
    monkeypatch.setattr(cache_mod, "_touched", None)
    cache = cache_mod.Cache.open(tmp_path / "cache")
    assert cache is not None
    cache.put("facts", "k" * 40, {"answer": 1})
    cache.put("facts", "j" * 40, {"answer": 2})
    path = str(cache._path("facts", "k" * 40))
    secret = cache_mod._secret()
    assert secret is not None
    assert cache_mod.load_warm([path, str(cache._path("facts", "j" * 40))], secret, 1 << 20) == 2
    kept = cache_mod._warm[path].value
    assert cache.get("facts", "k" * 40) is kept  # from memory: the very object
    again = cache.get("facts", "k" * 40)
    assert again == kept and again is not kept  # once per process, then from the file

    # Rewritten since: the file's version.
    cache_mod.load_warm([path], secret, 1 << 20)
    cache.put("facts", "k" * 40, {"answer": 3})
    assert cache.get("facts", "k" * 40) == {"answer": 3}

    # Checked with another key: not trusted.
    cache_mod.load_warm([path], secret, 1 << 20)
    other = cache_mod.Cache(tmp_path / "cache", b"x" * 32)
    assert other.get("facts", "k" * 40) is None

    # Rewritten in place with the same size (and perhaps the same mtime): the bytes decide, and a
    # forged entry is neither served from memory nor unpickled by the server.
    cache_mod.load_warm([path], secret, 1 << 20)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:-2] + bytes([data[-2] ^ 1]) + data[-1:])
    assert cache.get("facts", "k" * 40) is None
    assert cache_mod.load_warm([path], secret, 1 << 20) == 0


WRAPPER = """public with sharing class Wrapper {
    public static void log(String message) {
        System.debug(message);
    }
}
"""
CALLER = """public with sharing class Caller {
    public static void run(Id patientId) {
        Patient__c p = [SELECT SSN__c, Code__c FROM Patient__c WHERE Id = :patientId WITH USER_MODE];
        Wrapper.log(p.SSN__c);
        System.debug(p.Code__c);
    }
}
"""
CODE_FIELD = """<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>Code__c</fullName>
    <label>Code</label>
    <type>Text</type>
    <complianceGroup>HIPAA</complianceGroup>
</CustomField>
"""


def _age(root: Path) -> None:
    """Everything under `root` modified a minute ago, so that the listings of its folders are
    remembered (a folder modified in the last two seconds is listed again every run)."""
    when = time.time() - 60
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (when, when))
        os.utime(dirpath, (when, when))


def test_served_checks_follow_every_change_to_the_project(make_project: MakeProject, tmp_path: Path) -> None:
    """Classes added, deleted and renamed, a field's complianceGroup edited and a field file added
    between served checks: each check, one class or the whole project, gives what a check without the
    server and without any cache gives."""
    root = make_project({"classes/Caller.cls": CALLER, "classes/Clean.cls": CLEAN})
    classes = root / "force-app/main/default/classes"
    fields = root / "force-app/main/default/objects/Patient__c/fields"
    caller = f"{CLASSES}/Caller.cls"
    try:
        _start(root, tmp_path)
        outputs: list[bytes] = []

        def same(*args: str) -> bytes:
            served, alone = _both(root, tmp_path, *args)
            uncached = _run(root, tmp_path, *args, "--no-cache", **{server.ENV_DISABLE: "1"})
            assert served == alone == (uncached.returncode, uncached.stdout, uncached.stderr), args
            return served[1]

        def both_checks() -> bytes:
            one = same("check", caller)
            everything = same("check")
            outputs.append(one)
            return one + everything

        _age(root)
        both_checks()
        both_checks()  # the listings and the records as the last run left them
        (classes / "Wrapper.cls").write_text(WRAPPER)  # Caller's SSN__c now reaches a log
        _age(root)
        assert b"Wrapper.log" in both_checks()
        (classes / "Wrapper.cls").rename(classes / "Logging.cls")  # the same class, another file
        assert b"Wrapper.log" in both_checks()
        (classes / "Logging.cls").unlink()
        assert b"Wrapper.log" not in both_checks()
        (fields / "Code__c.field-meta.xml").write_text(CODE_FIELD)  # Code__c becomes PHI
        _age(root)
        assert b"Code__c" in both_checks()
        ssn = fields / "SSN__c.field-meta.xml"
        ssn.write_text(ssn.read_text().replace("<complianceGroup>HIPAA</complianceGroup>", ""))
        _age(root)
        found = both_checks()
        assert b"SSN__c" not in found and b"Code__c" in found
        assert len(set(outputs)) >= 3  # the changes changed the checks' results
    finally:
        _run(root, tmp_path, "server", "stop")


def test_data_derived_from_a_kept_entry_goes_once_with_that_very_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHI_LINT_CACHE_KEY", "warm-tests")
    monkeypatch.setattr(cache_mod, "_warm", {})
    monkeypatch.setattr(cache_mod, "_derived", {})
    monkeypatch.setattr(cache_mod, "_served", [])
    monkeypatch.setitem(cache_mod.WARM_DERIVERS, "facts", lambda value: (value, ("derived", len(value))))
    cache = cache_mod.Cache.open(tmp_path / "cache")
    assert cache is not None
    secret = cache_mod._secret()
    assert secret is not None
    key = "k" * 40
    path = str(cache._path("facts", key))
    cache.put("facts", key, {"answer": 1})
    cache_mod.load_warm([path], secret, 1 << 20)
    value = cache.get("facts", key)
    assert value == {"answer": 1}
    assert cache_mod.warm_derived({"answer": 1}) is None  # an equal value is not the entry's
    assert cache_mod.warm_derived(value) == ("derived", 1)
    assert cache_mod.warm_derived(value) is None  # once per process: the caller may change it
    # The entry rewritten since the server read it: the file's value, and nothing derived.
    cache_mod.load_warm([path], secret, 1 << 20)
    cache.put("facts", key, {"answer": 2, "more": 3})
    fresh = cache.get("facts", key)
    assert fresh == {"answer": 2, "more": 3} and cache_mod.warm_derived(fresh) is None
    # A deriver that fails: the entry is kept all the same, with nothing derived.
    monkeypatch.setitem(cache_mod.WARM_DERIVERS, "facts", lambda value: 1 / 0)
    assert cache_mod.load_warm([path], secret, 1 << 20) == 1
    kept = cache.get("facts", key)
    assert kept == fresh and cache_mod.warm_derived(kept) is None
