"""Where the suite's CPU goes: an opt-in plugin, ``pytest -p cputime`` (``-n 2`` works).

For each test (setup + call + teardown) it records this process's CPU (every thread's,
``time.process_time``), the CPU of the child processes reaped meanwhile
(``RUSAGE_CHILDREN``: the CLI and kill tests' subprocesses; a daemon that is not our
child, such as a PostgreSQL cluster started with ``pg_ctl``, is not counted) and the
wall time. Each process also records what it spent before its first test (interpreter,
imports, collection) and after its last, and when its last test ended (the tail in which
a worker has nothing left while the other still runs).

At the end the controller (or the only process) writes a table sorted by CPU: per test,
per file and per process, to ``--cputime-file`` (default ``.cputime.txt``) and a JSON
copy beside it (``.json``), and prints the totals. Wall time on a shared machine says
little; CPU is what a quiet machine would need too.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

KEY = "cputime"


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class TestCost:
    nodeid: str
    cpu: float
    children: float
    wall: float
    start: float
    end: float

    @property
    def total(self) -> float:
        return self.cpu + self.children


@dataclass
class ProcessCost:
    name: str
    before_tests: float = 0.0  # start-up and collection, this process's CPU
    tests: list[TestCost] = field(default_factory=list)
    total_self: float = 0.0
    total_children: float = 0.0
    started: float = 0.0  # wall clock (epoch) when the plugin was configured
    finished: float = 0.0


class Recorder:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        worker = getattr(config, "workerinput", None)
        self.is_worker = worker is not None
        self.cost = ProcessCost(name=worker["workerid"] if worker else "main")
        self.cost.started = time.time()
        self.workers: list[dict[str, Any]] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self) -> None:
        self.cost.before_tests = _self_cpu()

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        if not self.cost.tests and not self.cost.before_tests:
            self.cost.before_tests = _self_cpu()
        wall, cpu, children = time.time(), time.process_time(), _children_cpu()
        yield
        end = time.time()
        self.cost.tests.append(
            TestCost(
                nodeid=item.nodeid,
                cpu=time.process_time() - cpu,
                children=_children_cpu() - children,
                wall=end - wall,
                start=wall,
                end=end,
            )
        )

    def finish(self) -> dict[str, Any]:
        self.cost.total_self = _self_cpu()
        self.cost.total_children = _children_cpu()
        self.cost.finished = time.time()
        return asdict(self.cost)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        data = self.finish()
        if self.is_worker:
            self.config.workeroutput[KEY] = json.dumps(data)  # type: ignore[attr-defined]
            return
        processes = [*self.workers, data] if self.workers else [data]
        path = Path(self.config.getoption("cputime_file"))
        path.with_suffix(".json").write_text(json.dumps(processes))
        path.write_text(report(processes))
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line("")
            terminal.write_line(summary(processes) + f"  (table: {path})")

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {})
        if KEY in output:
            self.workers.append(json.loads(output[KEY]))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cputime-file",
        default=".cputime.txt",
        help="where -p cputime writes its table of CPU per test, file and process",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Recorder(config), "cputime-recorder")


def _tests(processes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**test, "process": p["name"]} for p in processes for test in p["tests"]]


def _sum(test: dict[str, Any]) -> float:
    return float(test["cpu"] + test["children"])


def summary(processes: list[dict[str, Any]]) -> str:
    own = sum(p["total_self"] for p in processes)
    children = sum(p["total_children"] for p in processes)
    tests = _tests(processes)
    in_tests = sum(_sum(t) for t in tests)
    before = sum(p["before_tests"] for p in processes)
    return (
        f"cputime: {len(tests)} tests, CPU {own + children:.1f} s (processes {own:.1f} s "
        f"+ reaped children {children:.1f} s; in tests {in_tests:.1f} s, "
        f"start-up and collection {before:.1f} s)"
    )


def _row(cpu: float, children: float, wall: float, name: str) -> str:
    return f"{cpu + children:9.2f} {cpu:9.2f} {children:9.2f} {wall:9.2f}  {name}"


HEADER = f"{'CPU':>9} {'own':>9} {'children':>9} {'wall':>9}  "


def report(processes: list[dict[str, Any]], top: int = 200) -> str:
    tests = sorted(_tests(processes), key=_sum, reverse=True)
    lines = [summary(processes), "", "Per process (CPU in seconds, wall from start):"]
    first_start = min(p["started"] for p in processes)
    last_end = max((t["end"] for t in tests), default=first_start)
    for p in sorted(processes, key=lambda p: p["name"]):
        if not p["tests"]:
            lines.append(f"  {p['name']:>5}: no tests; process {p['total_self']:.1f} s")
            continue
        own = sum(t["cpu"] for t in p["tests"])
        kids = sum(t["children"] for t in p["tests"])
        ended = max((t["end"] for t in p["tests"]), default=p["started"])
        lines.append(
            f"  {p['name']:>5}: {len(p['tests'])} tests; before the first test "
            f"{p['before_tests']:.1f} s; in tests {own:.1f} s + children {kids:.1f} s; "
            f"process {p['total_self']:.1f} s + children {p['total_children']:.1f} s; "
            f"last test ended at {ended - first_start:.0f} s "
            f"(idle tail {last_end - ended:.0f} s)"
        )
    files: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for t in tests:
        entry = files[t["nodeid"].split("::")[0]]
        entry[0] += t["cpu"]
        entry[1] += t["children"]
        entry[2] += t["wall"]
        entry[3] += 1
    lines += ["", f"Per file ({len(files)}):", HEADER + "file (tests)"]
    for name, (cpu, kids, wall, count) in sorted(
        files.items(), key=lambda kv: kv[1][0] + kv[1][1], reverse=True
    ):
        lines.append(_row(cpu, kids, wall, f"{name} ({count:.0f})"))
    lines += ["", f"Per test (top {top} of {len(tests)}):", HEADER + "test"]
    for t in tests[:top]:
        lines.append(_row(t["cpu"], t["children"], t["wall"], t["nodeid"]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # the table again from a JSON copy: python tests/cputime.py X.json
    print(report(json.loads(Path(sys.argv[1]).read_text()), top=int(sys.argv[2:3] or [200])))
