"""prepare()'s analysis of many Apex files on several cores.

A file should be analysed after the files whose methods it calls, so that it sees their summaries
(`callees_first` orders them by the project classes each file names, breaking cycles). Here each file
is a task that waits for the files before it in that order that it names (`_tasks`), and a scheduler
hands each worker process tasks whose dependencies are done, together with the summaries other workers
recorded since it last heard from it. Workers are forked once and keep their own copy of
the summary store up to date; each returns its files' records.

The graph is only a textual approximation (an interface call reaches implementations the caller never
names), so a file may have been analysed before a summary it used was final. The caller therefore
checks every record against the final summaries and analyses again, in one process, the few whose
answers changed (`_solve`). The result is the least fixpoint whatever the schedule: every analysis
starts from summaries below it, and the check only stops when every record agrees with them.

Forked workers only (they inherit the project, the PHI model and the store without any copying); where
fork is unavailable, or a worker dies, the files left are analysed in the parent.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from phi_lint.analyzers.apex import dataflow

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from phi_lint.analyzers.apex.dataflow import SummaryStore
    from phi_lint.analyzers.apex.incremental import FileRecord
    from phi_lint.context import FileContext

    Contributions = dict[Any, Any]
    # A file's record, what its bodies used of the summaries (`dataflow.joined_answers`), and what
    # the caller needs once the workers are gone, pickled (see `apex._solve`).
    Analysed = tuple["FileRecord", dataflow.UsedAnswers, bytes]
    AnalyseOne = Callable[[FileContext], "Analysed | None"]

T = TypeVar("T")
# Most tasks a worker is given at once.
MAX_BATCH = 8
# Rounds of the final check run on the workers (a change found in one round can make the readers of
# the files it re-ran stale in the next: EDA's 37 triggers read a handler re-run in the first).
STALE_ROUNDS = 4


def fork_available() -> bool:
    """Workers here are always forked; where the engine would not fork (no fork on this platform, or
    PHI_LINT_START_METHOD=spawn), prepare() stays in one process."""
    from phi_lint import engine

    return engine.start_method() == "fork"


def analyse(
    order: Sequence[FileContext],
    deps: Sequence[Sequence[int]],
    store: SummaryStore,
    analyse_one: AnalyseOne,
    workers: int,
    stale: Callable[[Analysed], bool] | None = None,
    received: Callable[[Analysed], Analysed] | None = None,
) -> dict[int, Analysed]:
    """Analyse the files of `order` (indexes into it in `deps`: the files each one names) in `workers`
    forked processes; returns what each file gave, by index. Files missing from the result (a worker
    died) are the caller's to analyse. Every returned file's contributions are seeded into `store`.

    With `stale` (did this analysis use a summary that has changed since?), the files it holds for are
    then analysed again, on the workers, for up to STALE_ROUNDS rounds: the caller's final check, which
    would otherwise run in one process (72 files on NPSP, 41 on EDA). The caller's rounds still check
    every file after, so the result does not depend on how many rounds ran here.

    `received` (if given) turns each result as it arrives, while the workers go on with their files:
    work the parent does on every result costs no wall time there, but would after the last one."""
    import multiprocessing
    from multiprocessing.connection import wait

    tasks, task_deps = _tasks(len(order), deps)
    waiting_on = [set(d) for d in task_deps]
    dependants: list[list[int]] = [[] for _ in tasks]
    for task, needs in enumerate(task_deps):
        for need in needs:
            dependants[need].append(task)
    ready = sorted(t for t, needs in enumerate(waiting_on) if not needs)
    context = multiprocessing.get_context("fork")
    connections: list[Connection] = []
    processes = []
    # Frozen objects are never traversed by the collector, so a collection in a worker does not copy
    # the inherited heap page by page.
    gc.collect()
    gc.freeze()
    try:
        for _ in range(workers):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_worker, args=(child_end, order, store, analyse_one), daemon=True
            )
            process.start()
            child_end.close()
            connections.append(parent_end)
            processes.append(process)
    finally:
        gc.unfreeze()
    results: dict[int, Analysed] = {}
    # What each worker has not heard of yet: contributions recorded by the others.
    unsent: list[list[Contributions]] = [[] for _ in processes]
    alive = set(range(len(processes)))

    def run(ready: list[int], release: Callable[[int], list[int]]) -> None:
        """Hand out the `ready` tasks until none is ready or running; `release(task)` gives the tasks
        that a finished one makes ready."""
        busy: dict[int, list[int]] = {}  # worker -> its tasks
        while ready or busy:
            idle = sorted(alive - busy.keys())
            for worker in idle:
                if not ready:
                    break
                # Several ready tasks at once when there are many (one message per file would cost
                # more than most files' analysis), but shared out so that no worker waits.
                count = min(MAX_BATCH, max(1, len(ready) // len(idle)))
                batch, ready = ready[:count], ready[count:]
                try:
                    connections[worker].send((unsent[worker], [i for task in batch for i in tasks[task]]))
                except (BrokenPipeError, OSError):
                    alive.discard(worker)
                    ready = batch + ready
                    continue
                unsent[worker] = []
                busy[worker] = batch
            if not busy:
                break  # every worker died: the caller analyses what is left
            for signalled in wait([connections[w] for w in busy]):
                worker = next(w for w in busy if connections[w] is signalled)
                batch = busy.pop(worker)
                try:
                    answer: list[tuple[int, Analysed]] = connections[worker].recv()
                except (EOFError, OSError):
                    alive.discard(worker)
                    answer = []
                for index, analysed in answer:
                    if received is not None:
                        analysed = received(analysed)
                    results[index] = analysed
                    contributions = analysed[0].contributions
                    store.seed(contributions)
                    for other in alive:
                        if other != worker:
                            unsent[other].append(contributions)
                # Tasks whose worker died are left to the caller, but their dependants may run.
                for task in batch:
                    ready += release(task)
                ready.sort()

    def dependants_ready(task: int) -> list[int]:
        released = []
        for dependant in dependants[task]:
            waiting_on[dependant].discard(task)
            if not waiting_on[dependant]:
                released.append(dependant)
        return released

    try:
        run(ready, dependants_ready)
        if stale is not None:
            # The final check's first rounds. Summaries only grow, so seeding a file's new
            # contributions over its old ones (as `run` does) is exact.
            for _ in range(STALE_ROUNDS):
                again = [
                    task
                    for task, files in enumerate(tasks)
                    if any(stale(results[i]) for i in files if i in results)
                ]
                if not again:
                    break
                run(again, lambda task: [])
    except BaseException:
        # Ctrl-C, SIGTERM or a bug: stop the workers now rather than let them finish their files.
        for process in processes:
            process.kill()
        raise
    finally:
        for worker, connection in enumerate(connections):
            if worker in alive:
                with contextlib.suppress(BrokenPipeError, OSError):
                    connection.send(None)
            connection.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    return results


def map_files(order: Sequence[FileContext], compute: Callable[[FileContext], T], workers: int) -> list[T]:
    """`compute` of every file, in order, on `workers` forked processes (for work that needs no
    summaries, such as reading declarations). Raises whatever the pool raises."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    global _map_state
    _map_state = (order, compute)
    gc.collect()
    gc.freeze()
    try:
        chunks = [
            range(start, min(start + MAP_CHUNK, len(order))) for start in range(0, len(order), MAP_CHUNK)
        ]
        pool = context.Pool(workers, initializer=_quiet_signals)
        try:
            parts = pool.map(_map_chunk, chunks)
            pool.close()
        except BaseException:
            pool.terminate()  # SIGTERM, which _quiet_signals left fatal
            raise
        finally:
            pool.join()
    finally:
        gc.unfreeze()
        _map_state = None
    return [item for part in parts for item in part]


# Files per message of `map_files`.
MAP_CHUNK = 32
_map_state: tuple[Sequence[Any], Callable[[Any], Any]] | None = None


def _quiet_signals() -> None:
    """In a worker: the parent handles Ctrl-C and stops its workers (forked children inherit the CLI's
    handlers, which would turn the parent's SIGTERM into a traceback in each child)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _map_chunk(indexes: range) -> list[Any]:
    assert _map_state is not None
    order, compute = _map_state
    return [compute(order[index]) for index in indexes]


def _worker(
    connection: Connection, order: Sequence[FileContext], store: SummaryStore, analyse_one: AnalyseOne
) -> None:
    _quiet_signals()
    # The other workers' summaries arrive with strings of their own: shared here (one copy of each
    # name and PHI label in the worker), and the message's dicts kept by the store, not copied.
    shared: dict[tuple[object, ...], tuple[object, ...]] = {}
    try:
        while True:
            message = connection.recv()
            if message is None:
                break
            news, task = message
            for contributions in news:
                store.seed(dataflow.shared_contributions(contributions, shared), owned=True)
            answer = []
            for index in task:
                analysed = analyse_one(order[index])
                if analysed is not None:
                    answer.append((index, analysed))
            connection.send(answer)
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        connection.close()
        # Skip the interpreter's shutdown (atexit handlers, flushing the parent's inherited buffers).
        os._exit(0)


def _tasks(count: int, deps: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[set[int]]]:
    """Each file is a task of its own that waits for the files before it (in `callees_first` order)
    that it names; the files after it that it names (the edges that close a cycle) are not waited for.

    This is the schedule the one-process run follows: there, too, a file is analysed after the files
    before it and before those after it, and the final check catches a summary seen too early. Tasks
    were once the strongly connected components of the graph, but a real org's cycle can be a third of
    it (NPSP: 367 of 1,061 classes name each other through one loop or another), and one worker then
    analysed that component alone for seconds while the others waited."""
    tasks = [[index] for index in range(count)]
    return tasks, [{d for d in deps[index] if d < index} for index in range(count)]
