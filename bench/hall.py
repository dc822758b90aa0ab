"""A lecture hall under a crash: replicas behind nginx (scripts/hall.py), one killed mid-run.

    python -m bench.hall [--replicas 3] [--repeats 1]

Starts the hall on free local ports with its health checks running, opens ten Chromium sessions
(a browser context each: its own cookies, as ten laptops), each on a scene of its own (five
mountains, several optimizer sets, rates, starts, lengths; half of them step by step, each moved a
step by hand after its link was read). Then it kills the replica that holds the most sessions, as a
crash would, and reports for each session it held the time until the page shows its own scene
again from a new session (a new scene message with the same scene and the same link), the sessions
lost (not back within 10 s) and mixed up (shown another scene), and whether the others noticed.
A session back step by step takes one more step by hand, to show the new session holds its scene.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.hall import free_ports, running_hall
from scripts.live_app import CHROMIUM, CHROMIUM_ARGS, VIEW_READY

BACK_WITHIN_S = 10.0
GIVE_UP_S = 30.0
SCENES = (
    "surface=himmelblau&optimizers=sgd,momentum,adam&lr=0.01&start_x=0&start_y=0&steps=150",
    "surface=rosenbrock&optimizers=adam&lr=0.0032&start_x=-1.5&start_y=2&steps=300&step_mode=1&step=4",
    "surface=bowl&optimizers=sgd,nesterov&lr=0.1&start_x=1&start_y=-1&steps=60",
    "surface=ravine&optimizers=rmsprop,adamw&lr=0.02&start_x=-2&start_y=0.5&steps=200&step_mode=1&step=9",
    "surface=himmelblau&optimizers=adagrad&lr=0.2&start_x=-1&start_y=2.5&steps=120",
    "surface=bowl&optimizers=momentum,adam&lr=0.05&start_x=-1.5&start_y=1.5&steps=80&step_mode=1&step=2",
    "surface=rosenbrock&optimizers=sgd,rmsprop&lr=0.001&start_x=0.5&start_y=2.5&steps=250",
    "surface=ravine&optimizers=sgd&lr=0.05&start_x=2&start_y=-0.5&steps=100&step_mode=1&step=6",
    "surface=himmelblau&optimizers=nesterov,adamw&lr=0.005&start_x=2&start_y=-2&steps=180",
    "surface=bowl&optimizers=adagrad,rmsprop,adam&lr=0.2&start_x=0.5&start_y=1.5&steps=40&step_mode=1&step=3",
)
REVISION = "() => { const r = document.querySelector('.lm-root'); return r ? r.dataset.revision : null; }"
# what a page shows: its scene (the revision names mountain, optimizers, lr, start, step), its link,
# and how many scene messages reached it
SHOWN = """() => { const r = document.querySelector('.lm-root');
  return { revision: r ? r.dataset.revision : null, scenes: r && r.view ? r.view.scenes : 0,
           link: location.search }; }"""


@dataclass(frozen=True)
class Failover:
    """What one crash did. placed: each session's replica before; victim: the one killed;
    back_after: seconds from the kill until each of its sessions showed its own scene again;
    lost: its sessions not back within BACK_WITHIN_S; mixed: sessions shown another scene;
    stepped: its step-by-step sessions that took a step by hand after (their step, before → after);
    disturbed: sessions elsewhere whose page changed."""

    placed: tuple[int, ...]
    victim: int
    back_after: dict[int, float]
    lost: tuple[int, ...]
    mixed: tuple[int, ...]
    stepped: dict[int, tuple[int, int]]
    disturbed: tuple[int, ...]


def _stepped(scene: str) -> bool:
    return "step_mode=1" in scene


def _open(browser, url: str, scene: str):
    """A page of its own on `scene`, drawn; a step-by-step one moved a step by hand (its link follows)."""
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{url}/?{scene}")
    page.wait_for_function(VIEW_READY, timeout=120_000)
    if _stepped(scene):
        revision = page.evaluate(REVISION)
        page.get_by_role("button", name="Step ▶").click()
        page.wait_for_function(f"() => ({REVISION})() !== {json.dumps(revision)}")
        # the address bar is rewritten at the end of that run
        step = int(scene.rsplit("step=", 1)[1]) + 1
        page.wait_for_function(f"() => location.search.endsWith('step={step}')")
    return page


def failover(replicas: int = 3, scenes: tuple[str, ...] = SCENES, run_dir: Path | None = None) -> Failover:
    """Open `scenes` on a hall of `replicas`, kill the busiest replica, and say what came back."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch, \
            running_hall(replicas, port=free_ports(1)[0], first_replica_port=None,
                         run_dir=run_dir or Path(scratch)) as hall, sync_playwright() as playwright:
        stop = threading.Event()
        threading.Thread(target=hall.supervise, args=(stop,), daemon=True).start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = [_open(browser, hall.url, scene) for scene in scenes]

            def replica(page) -> int | None:
                return hall.replica_of({c["name"]: c["value"] for c in page.context.cookies()}.get("lm_replica"))

            before = [page.evaluate(SHOWN) for page in pages]
            placed = tuple(replica(page) for page in pages)
            # the replica with the most sessions dies (one with a step-by-step session, where there is a choice)
            victim = max(range(replicas), key=lambda r: (placed.count(r), any(
                _stepped(scenes[k]) for k in range(len(scenes)) if placed[k] == r)))
            moved = [k for k in range(len(scenes)) if placed[k] == victim]
            killed_at = time.monotonic()
            hall.kill(victim)
            back_after, mixed = {}, set()
            while len(back_after) + len(mixed) < len(moved) and time.monotonic() - killed_at < GIVE_UP_S:
                for k in set(moved) - set(back_after) - mixed:
                    now = pages[k].evaluate(SHOWN)
                    if now["scenes"] > before[k]["scenes"]:
                        # a new session's scene reached the page: its own, or another
                        if now["revision"] == before[k]["revision"] and now["link"] == before[k]["link"]:
                            back_after[k] = time.monotonic() - killed_at
                        elif now["revision"] is not None:
                            mixed.add(k)
                time.sleep(0.1)
            stepped = {}
            for k in sorted(back_after):
                if _stepped(scenes[k]):
                    # the new session holds the scene: one more step goes on from where it was
                    focus = json.loads(before[k]["revision"])["focus"]
                    pages[k].get_by_role("button", name="Step ▶").click()
                    pages[k].wait_for_function("() => document.querySelector('.lm-root').dataset.step === "
                                               f"{json.dumps(str(focus + 1))}")
                    after = json.loads(pages[k].evaluate(REVISION))
                    if after != {**json.loads(before[k]["revision"]), "focus": focus + 1}:
                        mixed.add(k)
                    stepped[k] = (focus, after["focus"])
            disturbed = tuple(k for k in range(len(scenes)) if k not in moved
                              and (pages[k].evaluate(SHOWN) != before[k] or replica(pages[k]) != placed[k]))
            lost = tuple(k for k in moved if k not in mixed and back_after.get(k, GIVE_UP_S) > BACK_WITHIN_S)
            return Failover(placed, victim, back_after, lost, tuple(sorted(mixed)), stepped, disturbed)
        finally:
            stop.set()
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1, help="crashes, each on a fresh hall")
    args = parser.parse_args()
    times, lost, mixed = [], 0, 0
    for repeat in range(args.repeats):
        result = failover(args.replicas)
        times += result.back_after.values()
        lost, mixed = lost + len(result.lost), mixed + len(result.mixed)
        print(f"crash {repeat + 1}: {len(SCENES)} sessions on replicas "
              + " ".join(f"r{r + 1}" for r in result.placed) + f"; r{result.victim + 1} killed, its "
              f"{len(result.back_after) + len(result.lost)} sessions back after "
              + ", ".join(f"{t:.1f} s" for t in sorted(result.back_after.values()))
              + f"; lost {len(result.lost)}, mixed up {len(result.mixed)}, others disturbed {len(result.disturbed)}; "
              + "stepped on after: " + ", ".join(f"{a} → {b}" for a, b in result.stepped.values()))
    if times:
        print(f"all crashes: {len(times)} sessions moved, back after {min(times):.1f}–{max(times):.1f} s "
              f"(target ≤ {BACK_WITHIN_S:.0f} s); lost {lost}, mixed up {mixed} (target 0, 0)")


if __name__ == "__main__":
    main()
