"""The opt-in warm server: `phi-lint server start|stop|status`, and the client side of `phi-lint check`.

A pre-commit check of one class on a large org spends most of its time before and around the class:
the interpreter's start, phi-lint's imports, unpickling the cache entries (the Apex records of every
class). The server is a process that has done the imports, parsed the rules, and keeps the cache
entries the last request used in memory; it listens on a Unix socket in the cache directory.

`phi-lint check` looks for the socket before importing anything else (this module imports only what a
bare interpreter has loaded). If a server of the same phi-lint code and interpreter answers, the client
sends its arguments, working directory, environment and umask, and passes its stdin, stdout and
stderr (SCM_RIGHTS). The server forks a child per request; the child takes the client's directory,
environment and descriptors and runs exactly `cli.main(argv)`, so its output goes straight to the
client's terminal or pipe, and the client exits with the child's exit code. A cache entry comes from
the server's memory only when its file is unchanged since the server read it (`cache.load_warm`).

The server also derives, from some entries it keeps, what a run would compute from them
(`cache.WARM_DERIVERS`): from the base entry of the Apex records, the summary store seeded with every
record, the summaries holding their declarations, the class headers' table and who read each method's
summary (`analyzers.apex.incremental._seed_base`); from a remembered project walk, its paths. That is
where most of a one-class check on a large org went once the entries were in memory: seeding every
record and planning touched every record's pages in the child.

Why the results are the same as without the server: the child runs the normal command line, on the
normal files and cache; the server itself never runs a check. What it holds is the entries (each
served only while its file's bytes are the ones the server checked with the client's key) and data
derived from an entry's value alone, by the code a run would run on it: a child gets derived data only
with the very entry object it was derived from (`cache.warm_derived`: by identity, once per process),
and uses it only where its own computation would give the same: the store after taking back the
records it does not hold (seeding is a function of the set of bodies seeded, not of their order:
`SummaryStore.unseed`), the declarations and the headers' table only when the run's files are the
base's, in the same order, declaring the same, the readers index only for the records that are the
base's (`incremental.plan`). Nothing else about a project is remembered in the server: each child
starts as a fresh process would, plus imports, the parsed rules, the entries and their derived data.
`tests/apex/test_seeded_store.py` compares each derived shortcut with the run's own computation, and
`tests/test_server.py` served checks after each kind of change with checks without server and cache.
A request whose interpreter settings differ from the server's is refused and runs in the client.
Anything that goes wrong before the child starts (no server, a stale socket, another version, a
refused request, a timeout) makes the client run the check itself, printing nothing extra.

Protocol: messages are a 4-byte big-endian length and a `marshal`led dict (only str, int, bool,
lists and dicts); both sides check that the peer runs as the same user (SO_PEERCRED).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# `socket` and `signal` are imported where used: `phi-lint check` imports this module to look for a
# server, and most projects have none (the look costs a listing of the cache directory, no more).
if TYPE_CHECKING:
    import socket

# Setting this (to anything but empty) makes `phi-lint check` never use a server.
ENV_DISABLE = "PHI_LINT_NO_SERVER"
PROTOCOL = 1
DEFAULT_IDLE_TIMEOUT = 1800.0
# How long the client waits for a server to connect and to say it forked the request's child; the run
# itself has no time limit (a cold check of a large org takes a minute).
CONNECT_TIMEOUT = 2.0
READY_TIMEOUT = 10.0
# How long a child waits for the client's go-ahead before giving up (the client then runs the check).
GO_TIMEOUT = 10.0
# Entries the server keeps in memory at most (bytes of entry files): the Apex records of a
# 5,000-class org are a few tens of MB.
MAX_WARM_BYTES = 256 * 1024 * 1024
_MAX_MESSAGE = 64 * 1024 * 1024
_SUN_PATH_MAX = 107
DEFAULT_CACHE_DIR = ".phi-lint-cache"
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # as cli.EXIT_INTERRUPTED (cli.py is not imported by the client)


class ProtocolError(Exception):
    pass


# ---- identity --------------------------------------------------------------------------------------
def identity() -> str:
    """Names the socket: a server is only used by clients running the same phi-lint code (the code
    digest the cache keys entries by) under the same interpreter."""
    from phi_lint.codeid import code_digest, digest_of

    return digest_of(code_digest(), sys.executable, sys.version, PROTOCOL)[:16]


def socket_name() -> str:
    return f"server-{identity()}.sock"


def _interpreter_settings() -> list[Any]:
    """What must be the same in the client and the server for a run in the server's child to behave as
    the client's own run would: interpreter flags that change behaviour or output (asserts, warnings,
    UTF-8 mode), the encodings files and names are read and written with, and the hash seed."""
    import locale

    return [
        sys.flags.optimize,
        sys.flags.utf8_mode,
        sys.flags.dev_mode,
        sys.flags.bytes_warning,
        list(sys.warnoptions),
        sorted((str(k), str(v)) for k, v in sys._xoptions.items()),
        sys.getfilesystemencoding(),
        sys.getfilesystemencodeerrors(),
        locale.getpreferredencoding(False),
        os.environ.get("PYTHONHASHSEED", ""),
    ]


# ---- messages ----------------------------------------------------------------------------------------
def _pack(message: dict[str, Any]) -> bytes:
    data = marshal.dumps(message)
    return struct.pack(">I", len(data)) + data


def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(_pack(message))


def _recv_exact(sock: socket.socket, size: int, start: bytes = b"") -> bytes:
    data = bytearray(start)
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed")
        data += chunk
    return bytes(data)


def _decode(data: bytes) -> dict[str, Any]:
    message = marshal.loads(data)
    if not isinstance(message, dict):
        raise ProtocolError("not a message")
    return message


def _recv(sock: socket.socket) -> dict[str, Any] | None:
    """The next message, or None when the peer closed the connection before sending one."""
    head = sock.recv(4)
    if not head:
        return None
    head = _recv_exact(sock, 4, head)
    (size,) = struct.unpack(">I", head)
    if size > _MAX_MESSAGE:
        raise ProtocolError("message too large")
    return _decode(_recv_exact(sock, size))


def _recv_with_fds(sock: socket.socket, maxfds: int) -> tuple[dict[str, Any], list[int]]:
    import socket

    data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, maxfds)
    try:
        if len(data) < 4:
            data = _recv_exact(sock, 4, data)
        (size,) = struct.unpack(">I", data[:4])
        if size > _MAX_MESSAGE:
            raise ProtocolError("message too large")
        return _decode(_recv_exact(sock, size + 4, data)[4:]), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _peer_uid(sock: socket.socket) -> int:
    import socket

    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def _connect(path: str, timeout: float) -> socket.socket:
    """A connection to the server socket at `path` whose process runs as this user. A path longer than
    a Unix socket address holds is reached from its folder."""
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        if len(os.fsencode(path)) <= _SUN_PATH_MAX:
            sock.connect(path)
        else:
            here = os.open(".", os.O_RDONLY)
            try:
                os.chdir(os.path.dirname(path))
                sock.connect(os.path.basename(path))
            finally:
                os.fchdir(here)
                os.close(here)
        if _peer_uid(sock) != os.getuid():
            raise ProtocolError("the server runs as another user")
        return sock
    except BaseException:
        sock.close()
        raise


# ---- the client side of `phi-lint check` --------------------------------------------------------------
def _find_root(start: str) -> str:
    """As `project.find_root`, without importing it: the nearest folder with sfdx-project.json."""
    current = os.path.realpath(start)
    if os.path.isfile(current):
        current = os.path.dirname(current)
    candidate = current
    while True:
        if os.path.isfile(os.path.join(candidate, "sfdx-project.json")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return current
        candidate = parent


# `phi-lint check` options that take a value (see cli.build_parser); the client reads only the first
# path, --cache-dir and --config, to find the socket. Reading them wrong only means no server is found:
# the child parses the arguments with the real parser.
_VALUE_OPTIONS = {
    "--format",
    "-o",
    "--output",
    "--select",
    "--ignore",
    "--extend-select",
    "--config",
    "--baseline",
    "-j",
    "--jobs",
    "--cache-dir",
    "--changed-since",
    "--color",
}


def _configured_cache_dir(config_file: str) -> str | None:
    """The `cache-dir` of a phi-lint.toml or a pyproject.toml's [tool.phi-lint] (config.py's rule)."""
    try:
        with open(config_file, "rb") as stream:
            raw = stream.read()
    except OSError:
        return DEFAULT_CACHE_DIR
    if b"cache-dir" not in raw:  # the common case: no TOML parser to import
        return DEFAULT_CACHE_DIR
    try:
        import tomllib
    except ImportError:  # Python 3.10: no server
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if os.path.basename(config_file) == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("phi-lint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            return None
    value = data.get("cache-dir", DEFAULT_CACHE_DIR)
    return str(value)


def client_cache_dir(args: Sequence[str]) -> str | None:
    """The cache directory `phi-lint check ARGS` would use, as cli._run_static finds it (None: not
    known). A server there also answers `--no-cache` runs (its child then uses no cache)."""
    paths: list[str] = []
    options: dict[str, str] = {}
    iterator = iter(args)
    for arg in iterator:
        if arg == "--":
            paths.extend(iterator)
            break
        if arg.startswith("-") and arg != "-":
            name, equals, value = arg.partition("=")
            if name in _VALUE_OPTIONS:
                options[name] = value if equals else next(iterator, "")
            continue
        paths.append(arg)
    root = _find_root(paths[0] if paths else ".")
    cache_dir = options.get("--cache-dir")
    if not cache_dir:
        config = options.get("--config")
        if config:
            cache_dir = _configured_cache_dir(config)
        elif os.path.isfile(os.path.join(root, "phi-lint.toml")):
            cache_dir = _configured_cache_dir(os.path.join(root, "phi-lint.toml"))
        elif os.path.isfile(os.path.join(root, "pyproject.toml")):
            cache_dir = _configured_cache_dir(os.path.join(root, "pyproject.toml"))
        else:
            cache_dir = DEFAULT_CACHE_DIR
    if not cache_dir:
        return None
    return os.path.join(root, cache_dir)


def _stdio_settings() -> list[list[Any]]:
    streams = []
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        errors = getattr(stream, "errors", None)
        if not isinstance(encoding, str) or not isinstance(errors, str):
            raise ProtocolError("a standard stream is not a text file")
        streams.append(
            [encoding, errors, bool(stream.line_buffering), bool(getattr(stream, "write_through", False))]
        )
    return streams


def run_on_server(argv: Sequence[str]) -> int | None:
    """The exit code of `phi-lint ARGV` run by a warm server, or None when there is none to use (the
    caller then runs the command itself): only `check` is served."""
    if os.environ.get(ENV_DISABLE) or not argv or argv[0] != "check":
        return None
    try:
        cache_dir = client_cache_dir(argv[1:])
        if cache_dir is None:
            return None
        # Before computing the code digest: most projects have no server (one listing of a small folder).
        if not _server_sockets(cache_dir):
            return None
        path = os.path.join(cache_dir, socket_name())
        sock = _connect(path, CONNECT_TIMEOUT)
    except Exception:
        return None
    except KeyboardInterrupt:
        print("phi-lint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    with sock:
        try:
            umask = os.umask(0o022)
            os.umask(umask)
            here = os.stat(".")
            request = {
                "op": "check",
                "identity": identity(),
                "settings": _interpreter_settings(),
                "argv": list(argv),
                "argv0": sys.argv[0] if sys.argv else "phi-lint",
                "cwd": os.getcwd(),
                "cwd_id": [here.st_dev, here.st_ino],
                "env": dict(os.environ),
                "umask": umask,
                "stdio": _stdio_settings(),
            }
            sock.settimeout(READY_TIMEOUT)
            _send(sock, request)
            reply = _recv(sock)
            if reply is None or not isinstance(reply.get("ready"), int):
                return None  # refused (another interpreter setting, say): run here
            child = reply["ready"]
        except Exception:
            return None
        except KeyboardInterrupt:  # nothing ran yet; a child waiting for the go-ahead gives up
            print("phi-lint: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        return _wait_for_child(sock, path, child)


def _wait_for_child(sock: socket.socket, path: str, child: int) -> int | None:
    """Give the child the go-ahead and wait for its exit code. Ctrl-C and SIGTERM are passed on to the
    child, which ends the way an interrupted check does (exit 130 or 143). None when the go-ahead
    could not be sent (the check did not start)."""
    import signal
    import socket

    def forward(signum: int, _frame: object) -> None:
        try:
            with _connect(path, CONNECT_TIMEOUT) as channel:
                _send(channel, {"op": "signal", "pid": child, "signal": signum})
                _recv(channel)
        except Exception:
            # The server is gone; the child, reparented, still has its pid until it exits.
            with contextlib.suppress(OSError):
                os.kill(child, signum)

    # Installed before the go-ahead: from then on a Ctrl-C must reach the child, never stop this
    # process while the child goes on writing to its terminal.
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[signum] = signal.signal(signum, forward)
    try:
        try:
            # From here on the child runs the check, and this process must not. The standard streams
            # go with the go-ahead, not with the request: descriptors sent to a server that then
            # hangs would keep this process's pipes open (a pre-commit waiting for their end) for as
            # long as it hangs.
            data = _pack({"go": True})
            sent = socket.send_fds(sock, [data], [0, 1, 2])
            # Only what is left: once the whole go-ahead is sent, the child may run, finish and close
            # the connection before this process is scheduled again, and a send of nothing would then
            # fail (EPIPE) and make this process run the check a second time.
            if sent < len(data):
                sock.sendall(data[sent:])
        except OSError:
            return None
        sock.settimeout(None)
        while True:
            try:
                message = _recv(sock)
            except (OSError, ProtocolError, ValueError, EOFError, TypeError):
                message = None
            if message is None:
                print("phi-lint: error: the warm server's run ended without an exit status", file=sys.stderr)
                return EXIT_ERROR
            code = message.get("exit")
            if isinstance(code, int):
                if message.get("error"):
                    print(f"phi-lint: error: {message['error']}", file=sys.stderr)
                return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# ---- server commands (start, stop, status) --------------------------------------------------------------
def _server_sockets(cache_dir: str) -> list[str]:
    try:
        names = os.listdir(cache_dir)
    except OSError:
        return []
    return sorted(
        os.path.join(cache_dir, n) for n in names if n.startswith("server-") and n.endswith(".sock")
    )


def _ask(path: str, message: dict[str, Any], timeout: float = CONNECT_TIMEOUT) -> dict[str, Any] | None:
    try:
        with _connect(path, timeout) as sock:
            _send(sock, message)
            return _recv(sock)
    except Exception:
        return None


def status(cache_dir: str) -> dict[str, Any] | None:
    """The status of this version's server for `cache_dir`, or None when none answers."""
    return _ask(os.path.join(cache_dir, socket_name()), {"op": "status"})


def start(cache_dir: str, idle_timeout: float) -> int:
    import subprocess

    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, socket_name())
    running = _ask(path, {"op": "status"})
    if running is not None:
        print(f"phi-lint: a server is already running for {cache_dir} (pid {running.get('pid')})")
        return 0
    log_path = os.path.join(cache_dir, "server.log")
    with contextlib.suppress(OSError):
        if os.path.getsize(log_path) > 1 << 20:
            os.truncate(log_path, 0)  # a line per request: it grows slowly
    with open(log_path, "ab") as log:
        # A fresh interpreter with this one's flags: forking this process would hand the server what
        # the command line computed so far, and the server must not hold any project state.
        command = [
            sys.executable,
            *subprocess._args_from_interpreter_flags(),  # type: ignore[attr-defined]
            "-c",
            "import sys; from phi_lint.server import serve; sys.exit(serve(sys.argv[1], float(sys.argv[2])))",
            os.path.abspath(cache_dir),
            str(idle_timeout),
        ]
        process = subprocess.Popen(
            command,
            cwd=cache_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C or hang-up
            close_fds=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = _ask(path, {"op": "status"}, timeout=1.0)
        if answer is not None:
            print(f"phi-lint: server started for {cache_dir} (pid {answer.get('pid')})")
            return 0
        if process.poll() is not None:
            break
        time.sleep(0.05)
    print(f"phi-lint: error: the server did not start (see {log_path})", file=sys.stderr)
    if process.poll() is None:
        process.terminate()
    return EXIT_ERROR


def stop(cache_dir: str) -> int:
    """Stop every server of `cache_dir` that answers (of any phi-lint version)."""
    stopped = 0
    for path in _server_sockets(cache_dir):
        answer = _ask(path, {"op": "stop"})
        if answer is not None and answer.get("stopping"):
            stopped += 1
            pid = answer.get("pid")
            # The server removes its socket as it exits; wait for that, so that `start` right after
            # finds the place free.
            deadline = time.monotonic() + 5
            while os.path.exists(path) and time.monotonic() < deadline:
                time.sleep(0.02)
            print(f"phi-lint: stopped the server for {cache_dir} (pid {pid})")
    if not stopped:
        print(f"phi-lint: no server running for {cache_dir}")
    return 0


def print_status(cache_dir: str) -> int:
    answer = status(cache_dir)
    if answer is None:
        print(f"phi-lint: no server running for {cache_dir}")
        return 1
    print(
        f"phi-lint: server running for {cache_dir}\n"
        f"  pid: {answer.get('pid')}\n"
        f"  requests served: {answer.get('requests')}\n"
        f"  cache entries in memory: {answer.get('warm_entries')}\n"
        f"  idle timeout: {answer.get('idle_timeout')} s"
    )
    return 0


# ---- the server ---------------------------------------------------------------------------------------
class _Child:
    def __init__(self, conn: socket.socket, touched_fd: int, started: float) -> None:
        self.conn = conn
        self.touched_fd = touched_fd
        self.touched = bytearray()
        self.started = started
        self.exited = False
        self.ran = 0.0


def _warm_up() -> None:
    """Import everything a check may import, parse the rules, load the grammars: what each child would
    otherwise do again. Nothing about any project."""
    import importlib
    import pkgutil

    import phi_lint
    from phi_lint import parsing
    from phi_lint.engine import load_checks
    from phi_lint.rules import default_registry

    for module in pkgutil.walk_packages(phi_lint.__path__, "phi_lint."):
        name = module.name
        if name.startswith(("phi_lint.sweep", "phi_lint.__main__")):
            continue
        importlib.import_module(name)
    load_checks([rule for rule in default_registry() if ":" in rule.check])  # sweep rules have none
    from phi_lint import cli

    cli._parser(False)  # the command line's parser (not the sweep's, which a check never builds)
    for kind in parsing.GRAMMARS:
        parsing.parse(kind, b"")
    # The Apex analyzer's tree-sitter queries (compiling them is 5 ms of a one-class check); a query
    # not listed here is compiled by the child as without a server.
    from phi_lint.analyzers.apex import syntax

    for pattern in (
        syntax._INDEX_QUERY,
        "(accessor_declaration body: (block) @b)",
        "(bound_apex_expression) @b",
    ):
        parsing.query("apex", pattern)


def serve(cache_dir: str, idle_timeout: float) -> int:
    """The server's main loop (run by `start` in a new interpreter, cwd `cache_dir`)."""
    import gc
    import signal

    from phi_lint import cache as cache_mod

    os.chdir(cache_dir)
    name = socket_name()
    _warm_up()
    if socket_name() != name:
        _log("phi-lint changed while the server started; not serving")
        return EXIT_ERROR
    listener = _bind(name)
    if listener is None:
        return 0
    inode = os.stat(name).st_ino
    settings = _interpreter_settings()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    children: dict[int, _Child] = {}
    requests = 0
    last_activity = time.monotonic()
    gc.collect()
    gc.freeze()  # children need not traverse what the server built (nor copy it by doing so)
    _log(f"serving on {os.path.join(cache_dir, name)} (pid {os.getpid()})")
    import select

    try:
        while not stopping:
            if not children and time.monotonic() - last_activity > idle_timeout:
                _log("idle timeout")
                break
            try:
                if os.stat(name).st_ino != inode:
                    break
            except OSError:  # the socket (or the cache directory) was removed: nobody can reach us
                _log("socket removed")
                break
            watched = [listener.fileno(), wake_r]
            watched += [c.touched_fd for c in children.values() if c.touched_fd >= 0]
            idle_left = idle_timeout - (time.monotonic() - last_activity)
            ready, _, _ = select.select(watched, [], [], min(5.0, max(0.05, idle_left)))
            if wake_r in ready:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
            for child in children.values():
                if child.touched_fd in ready:
                    chunk = os.read(child.touched_fd, 1 << 16)
                    if chunk:
                        child.touched += chunk
                    else:
                        os.close(child.touched_fd)
                        child.touched_fd = -1
            _reap(children)
            for pid, child in list(children.items()):
                if child.exited and child.touched_fd >= 0:
                    # The child wrote its list before exiting; a process it forked (a worker left
                    # behind) may still hold the pipe open, so take what is there, not wait for EOF.
                    _drain(child)
                if child.exited and child.touched_fd < 0:
                    del children[pid]
                    requests += 1
                    key, _, listed = bytes(child.touched).partition(b"\n")
                    paths = [p for p in listed.decode("utf-8", "surrogateescape").split("\n") if p]
                    refresh = time.monotonic()
                    try:
                        secret = bytes.fromhex(key.decode("ascii"))
                    except ValueError:
                        secret = b""
                    kept = _refresh(cache_mod, paths, secret)
                    _log(
                        f"request {requests}: ran {child.ran:.3f} s; {kept} cache entries in memory "
                        f"(refreshed in {time.monotonic() - refresh:.3f} s)"
                    )
                    last_activity = time.monotonic()
            if listener.fileno() in ready:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                last_activity = time.monotonic()
                outcome = _handle(conn, children, settings, requests, idle_timeout, listener, wake_r, wake_w)
                if outcome == "stop":
                    break
    finally:
        try:
            if os.stat(name).st_ino == inode:
                os.unlink(name)
        except OSError:
            pass
        listener.close()
    _log("stopped")
    return 0


def _drain(child: _Child) -> None:
    os.set_blocking(child.touched_fd, False)
    with contextlib.suppress(OSError):
        while chunk := os.read(child.touched_fd, 1 << 16):
            child.touched += chunk
    os.close(child.touched_fd)
    child.touched_fd = -1


def _refresh(cache_mod: Any, paths: list[str], secret: bytes) -> int:
    """Keep the entries the last request read and wrote for the next one (see cache.load_warm),
    checked with that request's cache key (a client's key never comes from the server's own
    environment: the entries are those of the client's runs)."""
    import gc

    # `--help`, a usage error, --no-cache: nothing to go by; keep what the last run used.
    if not paths or not secret:
        return len(cache_mod._warm)
    before = dict(cache_mod._warm)
    try:
        kept = int(cache_mod.load_warm(paths, secret, MAX_WARM_BYTES))
    except Exception as exc:  # MemoryError, say: serve on, cold
        _log(f"could not keep the cache entries: {type(exc).__name__}: {exc}")
        cache_mod._warm = {}
        kept = 0
    if any(cache_mod._warm.get(path) is not entry for path, entry in before.items()):
        # Entries were dropped or replaced: free what they held (cycles included) before freezing
        # the new ones. A collection traverses the whole server (tens of ms on a large org), so only
        # then; an unchanged set (a commit that did not touch the records) costs a stat per entry.
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    return kept


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {message}", file=sys.stderr, flush=True)


def _bind(name: str) -> socket.socket | None:
    """The listening socket, bound to a temporary name and linked into place (a second server for the
    same cache and version finds the name taken). A socket file nobody listens on (a killed server's)
    is replaced. None when another server answers at `name`."""
    import socket

    old_umask = os.umask(0o177)  # the socket file is 0600 from the start
    try:
        for _attempt in range(2):
            temp = f".{name}.{os.getpid()}"
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            listener.bind(temp)
            listener.listen(64)
            try:
                os.link(temp, name)
                return listener
            except FileExistsError:
                listener.close()
                if _ask(name, {"op": "status"}) is not None:
                    _log("another server is already running here")
                    return None
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)  # stale: its server was killed
            finally:
                os.unlink(temp)
        return None
    finally:
        os.umask(old_umask)


def _reap(children: dict[int, _Child]) -> None:
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        child = children.get(pid)
        if child is None:
            continue
        child.exited = True
        child.ran = time.monotonic() - child.started
        if os.WIFSIGNALED(wait_status) or os.waitstatus_to_exitcode(wait_status) != 0:
            # The child did not end through its own report (killed, or crashed): tell the client, as
            # a shell reports a killed process (128 + signal). A client that already has the child's
            # exit code has stopped reading.
            code = os.waitstatus_to_exitcode(wait_status)
            try:
                child.conn.settimeout(1.0)
                _send(child.conn, {"exit": 128 - code if code < 0 else EXIT_ERROR})
            except OSError:
                pass
        child.conn.close()


def _handle(
    conn: socket.socket,
    children: dict[int, _Child],
    settings: list[Any],
    requests: int,
    idle_timeout: float,
    listener: socket.socket,
    wake_r: int,
    wake_w: int,
) -> str:
    owned = True
    try:
        conn.settimeout(5.0)
        if _peer_uid(conn) != os.getuid():
            conn.close()
            return ""
        request = _recv(conn) or {}
        op = request.get("op")
        if op == "status":
            _send(
                conn,
                {
                    "pid": os.getpid(),
                    "requests": requests,
                    "running": len(children),
                    "warm_entries": len(_warm_entries()),
                    "idle_timeout": idle_timeout,
                    "identity": identity(),
                },
            )
        elif op == "stop":
            _send(conn, {"stopping": True, "pid": os.getpid()})
            return "stop"
        elif op == "signal":
            pid, signum = request.get("pid"), request.get("signal")
            # Only a child not yet reaped: its pid cannot belong to another process.
            if pid in children and not children[pid].exited and signum in (2, 15, 1):
                os.kill(pid, signum)
            _send(conn, {"ok": True})
        elif op == "check":
            if request.get("identity") != identity() or request.get("settings") != settings:
                _send(conn, {"refused": "the client's interpreter or phi-lint differs"})
            else:
                _fork_child(conn, request, children, listener, wake_r, wake_w)
                owned = False  # the child table has it: closed when the child is reaped
    except Exception as exc:
        _log(f"bad request: {type(exc).__name__}: {exc}")
    finally:
        if owned:
            conn.close()
    return ""


def _warm_entries() -> dict[str, Any]:
    from phi_lint import cache as cache_mod

    return cache_mod._warm


def _fork_child(
    conn: socket.socket,
    request: dict[str, Any],
    children: dict[int, _Child],
    listener: socket.socket,
    wake_r: int,
    wake_w: int,
) -> None:
    import signal

    touched_r, touched_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 70
        try:
            os.close(touched_r)
            listener.close()
            signal.set_wakeup_fd(-1)
            os.close(wake_r)
            os.close(wake_w)
            for other in children.values():
                other.conn.close()
                if other.touched_fd >= 0:
                    os.close(other.touched_fd)
            code = _run_child(conn, request, touched_w)
        except BaseException:
            code = 70  # reported to the client as an error by the server (see _reap)
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(touched_w)
    children[pid] = _Child(conn, touched_r, time.monotonic())


def _run_child(conn: socket.socket, request: dict[str, Any], touched_w: int) -> int:
    """In the forked child: become the client's process and run its command line. Returns the child's
    own exit status (0 when the client got the check's exit code)."""
    import codecs
    import gc
    import io
    import signal

    from phi_lint import cache as cache_mod

    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    # What can fail is done before the go-ahead, so that a failure leaves the run to the client. The
    # working directory must be the client's own (not a path that means another folder here: a
    # client in another mount namespace).
    try:
        os.chdir(request["cwd"])
        here = os.stat(".")
        if [here.st_dev, here.st_ino] != request["cwd_id"]:
            raise ProtocolError("another working directory")
        umask = int(request["umask"])
        env = {str(k): str(v) for k, v in request["env"].items()}
        argv = [str(a) for a in request["argv"]]
        argv0 = str(request.get("argv0", "phi-lint"))
        stdio = [(str(e), str(r), bool(lb), bool(wt)) for e, r, lb, wt in request["stdio"]]
        if len(stdio) != 3:
            raise ProtocolError("three standard streams")
        for encoding, errors, _, _ in stdio:
            codecs.lookup(encoding)
            codecs.lookup_error(errors)
    except Exception as exc:
        _send(conn, {"refused": f"{type(exc).__name__}: {exc}"})
        return 0
    _send(conn, {"ready": os.getpid()})
    conn.settimeout(GO_TIMEOUT)
    try:
        go, fds = _recv_with_fds(conn, 3)
    except (OSError, ProtocolError, ValueError, EOFError, TypeError):
        return 0  # the client gave up waiting and runs the check itself
    if not go.get("go") or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        _send(conn, {"exit": EXIT_ERROR, "error": "the warm server did not receive the standard streams"})
        return 0
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        os.close(fd)
    os.umask(umask)
    os.environ.clear()
    os.environ.update(env)
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        setattr(tempfile, "tempdir", None)  # noqa: B010  # found again from the client's TMPDIR, as in a new process
    streams = []
    for target, (encoding, errors, line_buffering, write_through) in enumerate(stdio):
        raw = io.FileIO(target, "r" if target == 0 else "w", closefd=False)
        buffered: io.BufferedReader | io.BufferedWriter = (
            io.BufferedReader(raw) if target == 0 else io.BufferedWriter(raw)
        )
        streams.append(
            io.TextIOWrapper(
                buffered,
                encoding=encoding,
                errors=errors,
                line_buffering=line_buffering,
                write_through=write_through,
            )
        )
    for name, stream in zip(("stdin", "stdout", "stderr"), streams, strict=True):
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    sys.argv = [argv0, *argv]
    cache_mod.record_touched_entries()
    gc.enable()
    code = _main(argv)
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        pass
    for output in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            output.flush()
    # For the server: the cache key of this run (the client's: its PHI_LINT_CACHE_KEY or key file),
    # which the server checks the entries with, and the entry files the run read and wrote.
    touched = cache_mod.touched_entries()
    secret = cache_mod._secret() if touched else None
    with contextlib.suppress(OSError), open(touched_w, "wb") as out:
        if secret is not None and touched:
            out.write(secret.hex().encode() + b"\n")
            out.write("\n".join(touched).encode("utf-8", "surrogateescape"))
    with contextlib.suppress(OSError):  # a client that is gone (killed) has no use for it
        _send(conn, {"exit": code})
    return 0


def _main(argv: list[str]) -> int:
    """`cli.main(argv)` with the exit codes an interpreter gives what escapes it."""
    import traceback

    from phi_lint.cli import main

    try:
        return int(main(argv))
    except SystemExit as exc:  # argparse: a usage error (2) or --help (0)
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        traceback.print_exc()
        return 130
    except BaseException:
        traceback.print_exc()
        return 1
