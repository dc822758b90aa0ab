"""A classroom at the protocol level: many students on one server, no browsers.

    python -m bench.classroom [--students 30] [--seconds 60] [--moves-only N] [--heavy N] [--hall N]

Starts one `streamlit run app/main.py` on 127.0.0.1 and N simulated students. Each is a
websocket client speaking Streamlit's own protocol (the BackMsg / ForwardMsg protobuf classes that
ship inside the `streamlit` package): it opens the app, then every 2 s (± 0.5 s) moves the
learning-rate slider or the start-x slider one notch at random, as a browser would send it, and
waits for that rerun's last message. It stops by itself and reports the moves answered, the
errors (a rerun that failed, raised, or never finished), the time from a move to its rerun's last
message (p50, p95), the server's CPU time and its peak memory. With --moves-only N, one student
moves N times back to back and the server's memory is sampled every 100 moves: it must stay
bounded (the server runs no full garbage collection after each script run). With --heavy N, N more
sessions open the heaviest links of issue 14 (Many balls on a 300-character formula of nested powers:
a fair race of seven optimizers over 2,000 steps, a new seed each time so nothing is cached) one after
another for the whole time, and the students' latencies are those felt beside them. With --hall N the class meets a hall of N
replicas behind nginx (scripts/hall.py) instead: each student's websocket lands on one replica, the
CPU is the replicas' together, and each replica's memory is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.load import MemoryWatch, _rss_kib, cpu_seconds
from scripts.hall import free_ports, running_hall
from scripts.live_app import running_server

LR_LABEL = "Learning rate (log scale)"
START_LABEL = "Start x"
ANSWER_TIMEOUT = 60.0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connected: int = 0


@dataclass
class Control:
    """A slider as the page drew it: its widget id and the values it can take."""

    id: str
    options: list[str] = field(default_factory=list)  # a select_slider's formatted options
    low: float = 0.0
    high: float = 0.0
    step: float = 0.0
    value: object = None


class Student:
    """One websocket session: open the app, then move a slider every couple of seconds."""

    def __init__(self, url: str, rng: random.Random, tally: Tally):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.rng, self.tally = rng, tally
        self.controls: dict[str, Control] = {}
        self.socket = None

    async def rerun(self, states: list[WidgetState]) -> float:
        """Ask for a rerun with these widget states; returns the seconds to its last message."""
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = ""
        message.rerun_script.widget_states.widgets.extend(states)
        began = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.socket.recv(), ANSWER_TIMEOUT)
            reply = ForwardMsg()
            reply.ParseFromString(raw)
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                self._read(reply.delta.new_element)
            elif kind == "script_finished":
                if reply.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"the rerun ended with status {reply.script_finished}")
                return time.perf_counter() - began

    def _read(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise RuntimeError(f"the app showed an exception: {element.exception.message[:120]}")
        if kind == "slider" and element.slider.label in (LR_LABEL, START_LABEL):
            slider = element.slider
            self.controls[slider.label] = Control(
                slider.id, list(slider.options), slider.min, slider.max, slider.step,
                list(slider.value) if slider.value else None)

    def _move(self) -> WidgetState:
        """One notch of the learning rate or a quarter step of the start, from where this student
        is; each student begins somewhere of their own, so the server rarely reuses a scene."""
        label = self.rng.choice([LR_LABEL, START_LABEL])
        control = self.controls[label]
        state = WidgetState(id=control.id)
        if control.options:
            if getattr(self, "_lr", None) not in control.options:
                self._lr = control.options[self.rng.randrange(30, 90)]
            now = control.options.index(self._lr)
            self._lr = control.options[max(0, min(len(control.options) - 1, now + self.rng.choice([-1, 1])))]
            state.string_array_value.data.append(self._lr)
        else:
            if not hasattr(self, "_x"):
                self._x = round(self.rng.uniform(control.low, control.high), 2)
            self._x = round(max(control.low, min(control.high, self._x + self.rng.choice([-1, 1]) * 0.25)), 2)
            state.double_array_value.data.append(self._x)
        return state

    async def attend(self, seconds: float) -> None:
        try:
            async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None) as socket:
                self.socket = socket
                await self.rerun([])
                self.tally.connected += 1
                ends = time.monotonic() + seconds
                while time.monotonic() < ends:
                    await asyncio.sleep(2.0 + self.rng.uniform(-0.5, 0.5))
                    if time.monotonic() >= ends:
                        break
                    try:
                        self.tally.latencies.append(await self.rerun([self._move()]))
                    except Exception as error:  # noqa: BLE001 -- every failure is counted and reported
                        self.tally.errors.append(str(error)[:160])
        except Exception as error:  # noqa: BLE001
            self.tally.errors.append(f"could not attend: {error}"[:160])


NASTY = "+".join(["sin(x^y^x)^cos(y^x^y)"] * 13)[:300].rstrip("+")
HEAVY_LINK = {"surface": "custom", "formula": NASTY, "bound_x0": "0.1", "bound_x1": "3", "bound_y0": "0.1",
              "bound_y1": "3", "steps": "2000", "many_mode": "race", "race_balls": "256",
              "optimizers": "sgd,momentum,adam,nadam,radam,rprop,newton"}


async def _heavy(url: str, seconds: float, tally: Tally, first_seed: int) -> None:
    """Open the heaviest link again and again (a new race seed each time) until the time is up."""
    student = Student(url, random.Random(first_seed), Tally())
    ends, seed = time.monotonic() + seconds, first_seed
    while time.monotonic() < ends:
        seed += 1
        try:
            async with websockets.connect(student.url, subprotocols=["streamlit"], max_size=None) as socket:
                student.socket = socket
                message = BackMsg()
                message.rerun_script.query_string = urllib.parse.urlencode({**HEAVY_LINK, "race_seed": seed})
                message.rerun_script.page_name = "many"
                began = time.perf_counter()
                await socket.send(message.SerializeToString())
                while True:
                    reply = ForwardMsg()
                    reply.ParseFromString(await asyncio.wait_for(socket.recv(), 300))
                    if reply.WhichOneof("type") == "script_finished":
                        break
                tally.latencies.append(time.perf_counter() - began)
        except Exception as error:  # noqa: BLE001 -- counted and reported
            tally.errors.append(f"heavy link: {error}"[:160])


async def _classroom(url: str, students: int, seconds: float, seed: int, heavy: int = 0,
                     heavy_tally: Tally | None = None) -> Tally:
    tally = Tally()
    rng = random.Random(seed)
    crowd = [Student(url, random.Random(rng.random()), tally) for _ in range(students)]
    # students arrive over the first few seconds, as a class does
    await asyncio.gather(*(_late(student, rng.uniform(0, 3), seconds) for student in crowd),
                         *(_heavy(url, seconds, heavy_tally, 1000 * (k + 1)) for k in range(heavy)))
    return tally


async def _late(student: Student, delay: float, seconds: float) -> None:
    await asyncio.sleep(delay)
    await student.attend(seconds)


async def _back_to_back(url: str, moves: int, pid: int) -> list[tuple[int, int]]:
    """One student moving `moves` times without pause; the server's memory every 100 moves."""
    tally = Tally()
    student = Student(url, random.Random(0), tally)
    samples = []
    async with websockets.connect(student.url, subprotocols=["streamlit"], max_size=None) as socket:
        student.socket = socket
        await student.rerun([])
        for move in range(1, moves + 1):
            await student.rerun([student._move()])
            if move % 100 == 0:
                samples.append((move, _rss_kib(pid)))
    return samples


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@contextmanager
def _servers(replicas: int) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """One server, or a hall of `replicas` behind nginx: the URL and the app processes."""
    if not replicas:
        with running_server() as (url, server):
            yield url, [server]
        return
    with tempfile.TemporaryDirectory() as scratch, \
            running_hall(replicas, port=free_ports(1)[0], first_replica_port=None, run_dir=Path(scratch)) as hall:
        yield hall.url, hall.replicas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--moves-only", type=int, default=0, metavar="N",
                        help="instead: one student, N moves back to back, the server's memory every 100")
    parser.add_argument("--heavy", type=int, default=0, metavar="N",
                        help="N more sessions open the heaviest links the whole time, one after another")
    parser.add_argument("--hall", type=int, default=0, metavar="N",
                        help="the class on a hall of N replicas behind nginx (scripts/hall.py), not one server")
    args = parser.parse_args()
    with _servers(args.hall) as (url, servers):
        server = servers[0]
        if args.moves_only:
            first = _rss_kib(server.pid)
            samples = asyncio.run(_back_to_back(url, args.moves_only, server.pid))
            print(f"server memory after the first page: {first / 1024:.0f} MB")
            print("moves  memory (MB)")
            for move, kib in samples:
                print(f"{move:>5}  {kib / 1024:8.0f}")
            return
        watches = [MemoryWatch(process.pid) for process in servers]
        for watch in watches:
            watch.start()
        pids = [process.pid for process in servers]
        cpu_before = cpu_seconds(pids)
        began = time.monotonic()
        heavy = Tally()
        tally = asyncio.run(_classroom(url, args.students, args.seconds, args.seed, args.heavy, heavy))
        took = time.monotonic() - began
        cpu = cpu_seconds(pids) - cpu_before
        for watch in watches:
            watch.running = False
    answered = len(tally.latencies)
    where = f"a hall of {args.hall} replicas behind nginx" if args.hall else "one server"
    print(f"{args.students} students × {args.seconds:.0f} s on {where} (127.0.0.1), each moving a slider every ~2 s:")
    print(f"  students connected        {tally.connected}")
    print(f"  moves answered            {answered}")
    print(f"  errors                    {len(tally.errors)}" + (f"  (first: {tally.errors[0]})" if tally.errors else ""))
    if answered:
        print(f"  move → last message       p50 {statistics.median(tally.latencies) * 1e3:.0f} ms, "
              f"p95 {_percentile(tally.latencies, 0.95) * 1e3:.0f} ms, max {max(tally.latencies) * 1e3:.0f} ms")
    if args.heavy:
        print(f"  beside {args.heavy} heavy session(s): {len(heavy.latencies)} heavy links answered, "
              + (f"each in {min(heavy.latencies):.1f}–{max(heavy.latencies):.1f} s, " if heavy.latencies else "")
              + f"{len(heavy.errors)} errors" + (f" (first: {heavy.errors[0]})" if heavy.errors else ""))
        if answered:
            print(f"  a student's move beside them: max {max(tally.latencies):.2f} s (target ≤ 2 s: "
                  f"{'met' if max(tally.latencies) <= 2.0 else 'NOT MET'})")
    print(f"  server CPU                {cpu:.1f} s over {took:.0f} s ({cpu / took:.0%} of one core)")
    for k, watch in enumerate(watches):
        print(f"  {'server' if len(watches) == 1 else f'replica r{k + 1}'} memory"
              f"{' ' * (13 if len(watches) == 1 else 9)}{watch.first / 1024:.0f} MB at start, {watch.peak / 1024:.0f} MB at peak")
    target = "met" if not tally.errors and answered and _percentile(tally.latencies, 0.95) <= 1.0 else "NOT MET"
    print(f"target (30 students × 60 s: 0 errors, p95 ≤ 1 s): {target}")
    raise SystemExit(1 if tally.errors else 0)


if __name__ == "__main__":
    main()
