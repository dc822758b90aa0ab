"""A replica's memory over a long, varied class: many moves, the heaviest views among them, one server.

    python -m bench.memory [--moves 1000] [--quick] [--clients 2] [--seed 0]

Starts one `streamlit run app/main.py` (scripts.live_app) and a few protocol-level clients
(bench.classroom's Student, no browsers). Each move is one rerun, answered before the next: a slider
move on the explorer (the learning rate or the start), or a link opened in a fresh session, as an
attacker would open them, each with values of its own so the caches fill with distinct entries: the
explorer on a random mountain with up to eight optimizers and 2,000 steps (zero_grad() forgotten, so
its ghosts' ladder too), typed formulas (among them issue 14's 300-character one), Many balls'
basins (201² starts), swarm (1,000 balls), sweep (256 rates) and race (256 balls, seven optimizers),
the real network (81² points, 2,000 steps), the data page and every chapter of the fog. The server's
resident memory is read every 50 moves and printed as a curve with its peak (the kernel's high-water mark):
the target is a replica under 600 MB. --quick: 100 lighter moves, to prove the bench runs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

import scripts.live_app as live_app
from bench.classroom import HEAVY_LINK, Student, Tally
from bench.load import MemoryWatch, _rss_kib
from core import SURFACES, get_surface
from core.optimizers import PLAIN_STEP
from core.sweep import LR_LADDER

TARGET_MB = 600
SAMPLE_EVERY = 50
LINK_TIMEOUT = 300.0  # a heavy view is cut at 10 s of CPU, but two clients share two busy cores
CHEAP = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax", "nadam", "radam", "rprop")
FORMULAS = ("{a}*x^2 + {b}*y^2", "sin({a}*x) + cos({b}*y) + 0.1*(x^2 + y^2)", "(x - {a})^2 + {b}*(y - x^2)^2",
            "abs(x)^{a} + abs(y)^{b}", "x^4 - {a}*x^2 + {b}*y^2 + 0.2*x*y")
CHAPTERS = ("fog", "optimizer", "stride", "button", "zero_grad")


def _rate(rng: random.Random) -> str:
    return repr(rng.choice(LR_LADDER))


def _start(rng: random.Random, surface: str) -> dict[str, str]:
    (x0, x1), (y0, y1) = get_surface(surface).bounds
    return {"start_x": f"{rng.uniform(x0, x1):.3f}", "start_y": f"{rng.uniform(y0, y1):.3f}"}


def explorer_link(rng: random.Random, heavy: bool) -> tuple[str, dict[str, str]]:
    """A named mountain, up to eight optimizers, up to 2,000 steps, zero_grad() forgotten or not."""
    surface = rng.choice(list(SURFACES))
    link = {"surface": surface, "optimizers": ",".join(rng.sample(CHEAP, rng.randint(1, 8 if heavy else 3))),
            "lr": _rate(rng), "steps": str(rng.randint(50, 2000 if heavy else 300)), **_start(rng, surface),
            "forget_zero_grad": rng.choice("01"), "contrast": rng.choice("0001")}
    if rng.random() < 0.1:
        link.update(step_mode="1", step_future=rng.choice("01"))
    return "", link


def formula_link(rng: random.Random, heavy: bool) -> tuple[str, dict[str, str]]:
    """A typed mountain with coefficients of its own; now and then issue 14's heaviest formula."""
    if heavy and rng.random() < 0.15:
        return "", {**{k: v for k, v in HEAVY_LINK.items() if not k.startswith(("many_", "race_"))},
                    "lr": _rate(rng), "start_x": "1", "start_y": "1"}
    formula = rng.choice(FORMULAS).format(a=round(rng.uniform(0.5, 3), 2), b=round(rng.uniform(0.5, 3), 2))
    return "", {"surface": "custom", "formula": formula, "bound_x0": "-3", "bound_x1": "3", "bound_y0": "-3",
                "bound_y1": "3", "optimizers": ",".join(rng.sample(CHEAP, rng.randint(1, 4))), "lr": _rate(rng),
                "steps": str(rng.randint(50, 1000 if heavy else 200)), "start_x": f"{rng.uniform(-2.5, 2.5):.2f}",
                "start_y": f"{rng.uniform(-2.5, 2.5):.2f}"}


def many_link(rng: random.Random, heavy: bool) -> tuple[str, dict[str, str]]:
    """Many balls: basins, swarm, sweep or race, at (or near) their largest sizes."""
    surface = rng.choice(list(SURFACES))
    mode = rng.choice(("basins", "swarm", "sweep", "race"))
    scene = {"surface": surface, "lr": _rate(rng), "steps": str(rng.randint(50, 500 if heavy else 150)),
             **_start(rng, surface), "many_mode": mode}
    if mode == "basins":
        size = {"basin_resolution": rng.choice(("151", "201") if heavy else ("101",)),
                "basin_optimizer": rng.choice(CHEAP), "basin_jumps": rng.choice("01")}
    elif mode == "swarm":
        size = {"swarm_size": str(rng.randrange(500, 1001, 10) if heavy else rng.randrange(50, 201, 10)),
                "swarm_seed": str(rng.randint(0, 10_000)), "swarm_optimizer": rng.choice(CHEAP)}
    elif mode == "sweep":
        size = {"sweep_count": rng.choice(("128", "256") if heavy else ("16", "32")),
                "optimizers": ",".join(rng.sample(CHEAP, rng.randint(1, 5 if heavy else 2)))}
    else:
        if heavy and rng.random() < 0.2:  # issue 14's heaviest link: a seven-optimizer race on the nasty formula
            return "many", {**HEAVY_LINK, "race_seed": str(rng.randint(0, 10_000))}
        size = {"race_balls": rng.choice(("128", "256") if heavy else ("16",)), "race_seed": str(rng.randint(0, 10_000)),
                "optimizers": ",".join(rng.sample(CHEAP, rng.randint(2, 7 if heavy else 2)))}
    return "many", {**scene, **size}


def network_link(rng: random.Random, heavy: bool) -> tuple[str, dict[str, str]]:
    return "network", {"net_optimizer": rng.choice(PLAIN_STEP), "net_lr": repr(rng.choice((0.01, 0.02, 0.05, 0.1))),
                       "net_steps": str(rng.randrange(10, 2001 if heavy else 301, 10)),
                       "net_resolution": str(rng.randrange(11, 82 if heavy else 42, 2)),
                       "net_directions": rng.choice(("pca", "random")), "net_seed": str(rng.randint(0, 10_000))}


def data_link(rng: random.Random, heavy: bool) -> tuple[str, dict[str, str]]:
    return "data", {"data_model": rng.choice(("line", "quadratic")), "data_optimizer": rng.choice(PLAIN_STEP),
                    "data_lr": repr(rng.choice((0.001, 0.01, 0.02, 0.05))),
                    "data_steps": str(rng.randrange(10, 2001 if heavy else 301, 10)),
                    "data_batch": rng.choice(("0", "1", "8", "32")),
                    "data_mode": rng.choice(("zero_grad", "forget", "accumulate")),
                    "data_centre": rng.choice("01"), "data_seed": str(rng.randint(0, 10_000))}


def fog_link(rng: random.Random, heavy: bool) -> tuple[str, dict[str, str]]:
    """A chapter of the fog with a walk, a place or a mountain number of its own."""
    chapter = rng.choice(CHAPTERS)
    surface = rng.choice(("himmelblau", "bowl", "rosenbrock", "camel"))
    (x0, x1), (y0, y1) = get_surface(surface).bounds
    strides = ",".join(repr(rng.choice(LR_LADDER[40:90])) for _ in range(rng.randint(0, 60 if heavy else 10)))
    link = {"fog_chapter": chapter, "fog_surface": surface, "fog_x": f"{rng.uniform(x0, x1):.2f}",
            "fog_y": f"{rng.uniform(y0, y1):.2f}", "fog_radius": rng.choice(("0.05", "0.08", "0.12", "0.18", "0.25")),
            "fog_lifted": rng.choice("01")}
    if chapter == "fog":
        link["fog_walk"] = strides
    elif chapter == "optimizer":
        link.update(fog_seed=str(rng.randint(0, 9999)), fog_hand_lifted=rng.choice("01"),
                    fog_hand=",".join(f"{rng.randrange(360)}:{rng.choice(('0.1', '0.3', '0.5', '0.8'))}"
                                      for _ in range(rng.randint(1, 40 if heavy else 8))))
    elif chapter == "stride":
        link.update(fog_rate_x=f"{rng.uniform(-4.5, 4.5):.2f}", fog_rate_y=f"{rng.uniform(-4.5, 4.5):.2f}",
                    fog_rate_blue=_rate(rng), fog_rate_green=_rate(rng), fog_rate_red=_rate(rng))
    elif chapter == "button":
        link.update(fog_button_x=f"{rng.uniform(x0, x1):.2f}", fog_button_y=f"{rng.uniform(y0, y1):.2f}")
    else:
        link.update(fog_zeroing=rng.choice("01"), fog_sum_walk=strides, fog_stride=_rate(rng))
    return "fog", link


# how often each kind of move comes: half the moves are a student's slider, half are links
LINKS: tuple[tuple[Callable[[random.Random, bool], tuple[str, dict[str, str]]], float], ...] = (
    (explorer_link, 0.15), (formula_link, 0.08), (many_link, 0.12), (network_link, 0.05), (data_link, 0.04),
    (fog_link, 0.06))
SLIDE = 1.0 - sum(weight for _, weight in LINKS)


async def open_link(url: str, page: str, link: dict[str, str]) -> None:
    """Open `link` on `page` in a fresh session, as a browser opening it would, and wait for its run."""
    student = Student(url, random.Random(), Tally())
    async with websockets.connect(student.url, subprotocols=["streamlit"], max_size=None) as socket:
        message = BackMsg()
        message.rerun_script.query_string = urllib.parse.urlencode(link)
        message.rerun_script.page_name = page
        await socket.send(message.SerializeToString())
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(socket.recv(), LINK_TIMEOUT))
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                student._read(reply.delta.new_element)  # raises on an exception the app showed
            elif kind == "script_finished":
                if reply.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"the link's run ended with status {reply.script_finished}")
                return


class Run:
    """The moves made so far, by whom and how long each took, and the memory curve."""

    def __init__(self, url: str, pid: int, moves: int, heavy: bool):
        self.url, self.pid, self.moves, self.heavy = url, pid, moves, heavy
        self.asked, self.made, self.began = 0, 0, time.monotonic()
        self.curve = [(0, _rss_kib(pid), 0.0)]
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.rises: list[tuple[int, str]] = []  # (KiB the memory rose across a move, the move)
        self.last = self.curve[0][1]

    def done(self, kind: str, what: str, seconds: float) -> None:
        self.made += 1
        self.seconds[kind].append(seconds)
        now = _rss_kib(self.pid)
        self.rises.append((now - self.last, what))
        self.last = now
        if self.made % SAMPLE_EVERY == 0 or self.made == self.moves:
            self.curve.append((self.made, _rss_kib(self.pid), time.monotonic() - self.began))
            move, kib, took = self.curve[-1]
            print(f"{move:>6} {kib / 1024:9.0f} {took:11.0f}", flush=True)

    async def client(self, seed: int) -> None:
        """One client: a student on the explorer between links, until the run has made its moves."""
        rng = random.Random(seed)
        student = Student(self.url, rng, Tally())
        async with websockets.connect(student.url, subprotocols=["streamlit"], max_size=None) as socket:
            student.socket = socket
            await student.rerun([])
            while self.asked < self.moves:
                self.asked += 1  # one event loop: no other client runs between the test and this
                make = rng.choices([make for make, _ in LINKS] + [None], [w for _, w in LINKS] + [SLIDE])[0]
                kind = make.__name__ if make else "slide"
                page, link = make(rng, self.heavy) if make else ("", {})
                what = f"{page or 'explorer'}?{urllib.parse.urlencode(link)}" if make else "a slider on the explorer"
                began = time.perf_counter()
                try:
                    if make is None:
                        await student.rerun([student._move()])
                    else:
                        await open_link(self.url, page, link)
                except Exception as error:  # noqa: BLE001 -- every failure is counted and reported
                    self.errors.append(f"{what[:300]}: {error}"[:400])
                self.done(kind, what, time.perf_counter() - began)


async def _class(run: Run, clients: int, seed: int) -> None:
    await asyncio.gather(*(run.client(seed * 1000 + k) for k in range(clients)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 lighter moves: proves the bench runs")
    parser.add_argument("--clients", type=int, default=2, help="sessions moving at once")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    moves = 100 if args.quick else args.moves
    with live_app.running_server() as (url, server):
        asyncio.run(open_link(url, "", {}))  # move 0: the app loaded, its first page shown
        watch = MemoryWatch(server.pid)
        watch.start()
        run = Run(url, server.pid, moves, heavy=not args.quick)
        print(f"{moves} moves from {args.clients} clients on {url}; the server's resident memory every {SAMPLE_EVERY}:")
        print(" moves  RSS (MB)  elapsed (s)")
        print(f"{0:>6} {run.curve[0][1] / 1024:9.0f} {0:11.0f}", flush=True)
        asyncio.run(_class(run, args.clients, args.seed))
        watch.running = False
        sampled = max(watch.peak, *(kib for _, kib, _ in run.curve))
        # the kernel's high-water mark: the true peak, which sampling twice a second can miss
        peak = max(sampled, _rss_kib(server.pid, "VmHWM"))
    print("moves by kind       count  median (s)  max (s)")
    for kind, seconds in sorted(run.seconds.items()):
        print(f"  {kind:16s} {len(seconds):6d} {statistics.median(seconds):11.2f} {max(seconds):8.1f}")
    print("the moves after which the memory had risen most (another session's work may share the blame):")
    for rise, what in sorted(run.rises, key=lambda pair: -pair[0])[:5]:
        print(f"  +{rise / 1024:4.0f} MB  {what[:150]}")
    print(f"errors: {len(run.errors)}" + "".join(f"\n  {error}" for error in run.errors[:5]))
    met = peak / 1024 < TARGET_MB
    print(f"peak resident memory {peak / 1024:.0f} MB (the kernel's high-water mark, VmHWM; sampled twice a "
          f"second: {sampled / 1024:.0f} MB), target < {TARGET_MB} MB: {'met' if met else 'NOT MET'}")
    raise SystemExit(1 if run.errors else 0)  # the target is reported above, as the other benches do


if __name__ == "__main__":
    main()
