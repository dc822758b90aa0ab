"""What a user feels, measured in the real server and a real browser.

    python -m bench.interaction [--moves 20] [--quick]

Starts `streamlit run app/main.py` on 127.0.0.1, opens it in Debian's headless Chromium and
presses → on the learning-rate slider, then (the page reloaded, at the default scene again) on
the start-x slider, `--moves` times each. For every move it reads:

- the server's CPU seconds (user + system: the kernel's CPU clock of the server process itself,
  all its threads, so Streamlit's own work, its garbage collection and the messaging all count),
  from before the key press until the server has been quiet for 0.4 s; printed both as they are
  and less what the idle server spends over the same wall time (measured first, page open, 5 s:
  Streamlit polls its config files five times a second whoever moves), which is the move's own;
- the bytes the browser received on the websocket for that move;
- the time from the key press (a keydown listener's timestamp in the page) to the first frame
  in which the view shows the new paths, and to every plot redrawn. Ours shows them first in
  one of two ways, whichever comes sooner: for the learning-rate slider, the view draws the
  slider's new rate from the scene's ladder (the paths every rate of the slider gives, fetched
  once per scene when the hand nears the slider) while the server works; else the server's scene,
  whose map the view draws in a frame of its own before the charts and the 3-D mountain. The
  server's scene's first frame is printed on its own line; not the end of the roll;

and, for a fresh page load, the time from navigation to the first drawn mountain. Where the view
offers its own learning-rate preview (the explorer), it also presses → on that control: the time
to the first frame of the previewed rate (drawn in the browser from the scene's ladder, no server
round trip), and the frames per second while the control is dragged (an input event every
animation frame for 3 s, three times); and, on the explorer, the scenes per second that reach
the view while the start marker is dragged on the map (pointer events every animation frame for
3 s, three times; each scene answers the newest position sent). The figures are printed for the explorer's default scene, for the Many balls page's default view,
and for bench/reference_app.py (a bare `st.plotly_chart` of the same surface and paths) in the
same run. Medians, with the spread. Beside each target, "here" reads it at this machine's speed: the
targets were set on a machine where the reference app read REFERENCE_WHEN_SET, and a bound is
multiplied (a rate divided) by the reference's figure in this run over its figure there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scripts.live_app import CHROMIUM, CHROMIUM_ARGS, running_server

# the page remembers when a key went down, before Streamlit sees it
PRESS_CLOCK = """() => {
  if (window.__pressWatch) return;
  window.__pressWatch = true;
  window.addEventListener('keydown', () => { window.__pressedAt = performance.now(); }, true);
}"""
# ours: each learning-rate rung the view previews, and when its first frame was painted
PREVIEW_LOG = """() => {
  if (window.__previewLog) return;
  window.__previewLog = [];
  const root = document.querySelector('.lm-root');
  new MutationObserver(() => {
    if (root.dataset.previewIndex) window.__previewLog.push([root.dataset.previewIndex, Number(root.dataset.previewDrawnAt)]);
  }).observe(root, { attributes: true, attributeFilter: ['data-preview-drawn-at'] });
}"""
FIRST_PREVIEW = """(wanted) => {
  const hit = (window.__previewLog || []).find(([index, at]) => index === String(wanted) && at > window.__pressedAt);
  return hit ? hit[1] : null;
}"""
# ours: the view marks its revision once Plotly.react has drawn the new scene
OURS_SHOWN = "() => { const r = document.querySelector('.lm-root'); return r && r.dataset.revision || null; }"
OURS_DRAWN = ("() => { const r = document.querySelector('.lm-root');"
              " return !!(r && r.dataset.revision && document.querySelector('.lm-mountain .gl-container')); }")
# the reference: a plain st.plotly_chart whose title names the scene
REFERENCE_SHOWN = ("() => { const gd = document.querySelector('.js-plotly-plot');"
                   " return gd && gd._fullLayout && gd._fullLayout.title ? gd._fullLayout.title.text : null; }")
REFERENCE_DRAWN = ("() => { const gd = document.querySelector('.js-plotly-plot');"
                   " return !!(gd && gd._fullLayout && document.querySelector('.js-plotly-plot .gl-container')); }")


@dataclass
class Figures:
    """One app's medians: server CPU per move (s), bytes per move, key press → first frame (s),
    navigation → first mountain (s); each a list of samples."""

    name: str
    lr_cpu: list[float]
    lr_bytes: list[int]
    lr_frame: list[float]
    lr_served: list[float]  # key press → first frame of the server's scene (lr slider)
    start_cpu: list[float]
    start_bytes: list[int]
    start_frame: list[float]
    first_load: list[float]
    lr_arrival: list[float]  # key press → the new scene reaches the view (server and network), ours only
    lr_whole: list[float]  # key press → every plot redrawn, the 3-D mountain too
    preview_frame: list[float]  # key press on the view's learning-rate preview → its first frame, ours only
    preview_fps: list[float]  # frames per second the preview draws while its control is dragged, ours only
    drag_scenes: list[float]  # scenes per second reaching the view while the start marker is dragged, ours only
    idle: float = 0.0  # the idle server's CPU seconds per second, page open (subtracted from lr_cpu, start_cpu)
    lr_cpu_raw: list[float] | None = None  # per move, idle included
    start_cpu_raw: list[float] | None = None


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far, all its threads (ended ones too), user + system: the kernel's
    CPU clock of that process (nanoseconds; /proc/PID/stat counts 10 ms ticks, too coarse for one move)."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)  # clock_getcpuclockid(pid): CPUCLOCK_SCHED of the process
    except OSError:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _page(chromium, received: list[int]):
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(120_000)

    def count(socket):
        socket.on("framereceived", lambda frame: received.append(len(frame if isinstance(frame, bytes)
                                                                     else frame.encode())))
    page.on("websocket", count)
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    page.on("console", lambda message: message.type == "error" and PAGE_ERRORS.append(message.text))
    return page


PAGE_ERRORS: list[str] = []  # the pages' errors, told when a wait times out


def _wait_drawn(page, shown: str, drawn: str, old: str | None = None) -> float:
    """Wait (each animation frame) until the view shows a scene other than `old` and has drawn;
    returns the page's clock at that frame."""
    predicate = (f"() => {{ const now = ({shown})(); if (!now || now === {json.dumps(old)} || !({drawn})()) return false;"
                 " return performance.now(); }")
    try:
        return float(page.wait_for_function(predicate, polling="raf", timeout=120_000).json_value())
    except Exception as error:
        raise RuntimeError(f"no new scene was drawn; the page: {json.dumps(page.evaluate(VIEW_STATE))}; "
                           f"its last errors: {PAGE_ERRORS[-5:]}") from error


# what the view was doing, for a wait that timed out
VIEW_STATE = """() => { const r = document.querySelector('.lm-root'); const v = r && r.view;
  return { views: document.querySelectorAll('.lm-root').length, dataset: r ? { ...r.dataset } : null,
    status: v ? v.status.textContent : null, previewing: v && v.previewing, previewDrawing: v && v.previewDrawing,
    followingPage: v && v.followingPage, rateIndex: v && v.rateIndex, shownIndex: v && v.ladderInfo && v.ladderInfo.index,
    errors: [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlert"]')].map((e) => e.innerText.slice(0, 300)),
    sliders: [...document.querySelectorAll('[data-testid="stSlider"] [role="slider"]')].map((s) => s.getAttribute('aria-valuetext')) }; }"""


def _settle(page, pid: int, seconds: float = 0.4) -> None:
    """Let the rerun's tail finish: wait until the server has used no CPU for a short while."""
    last = cpu_seconds(pid)
    quiet_since = time.monotonic()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = cpu_seconds(pid)
        if now > last + 0.005:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= seconds:
            return


# ours: the frame in which the map first showed the scene now on the view
FIRST_FRAME = """() => { const r = document.querySelector('.lm-root');
  return r && r.dataset.frameOf && r.dataset.frameOf === r.dataset.revision ? Number(r.dataset.frameAt) : null; }"""
ARRIVED = "() => { const r = document.querySelector('.lm-root'); return r ? Number(r.dataset.receivedAt) : NaN; }"
HAS_PREVIEW = "() => { const bar = document.querySelector('.lm-rate-bar'); return !!bar && !bar.hidden; }"
LADDER_KEPT = "() => [...(window.__lossMountainKept || new Map()).keys()].some((key) => key.startsWith('ladder:'))"
PREVIEWED = """(wanted) => { const r = document.querySelector('.lm-root');
  return r.dataset.previewIndex === String(wanted) && Number(r.dataset.previewDrawnAt) > window.__pressedAt
    ? Number(r.dataset.previewDrawnAt) : false; }"""
# a drag, as the control's input events: one per animation frame, back and forth over 80 rates
DRAG = """async (seconds) => {
  const root = document.querySelector('.lm-root');
  const rate = root.querySelector('.lm-rate');
  const before = Number(root.dataset.previewFrames || 0);
  const began = performance.now();
  let index = 40, direction = 1;
  await new Promise((done) => {
    const tick = () => {
      if (performance.now() - began > seconds * 1000) return done();
      index += direction;
      if (index > 110 || index < 30) direction = -direction;
      rate.value = String(index);
      rate.dispatchEvent(new Event('input'));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const elapsed = (performance.now() - began) / 1000;
  return (Number(root.dataset.previewFrames) - before) / elapsed;
}"""
# a drag of the start marker on the map, as pointer events: one per animation frame, round a
# circle of 40 px from where it was grabbed; returns the scenes per second that reached the view
# (data-scenes counts each scene the view drew; each answers the newest position sent)
START_DRAG = """async (seconds) => {
  const root = document.querySelector('.lm-root');
  const map = root.querySelector('.lm-map'); const layout = map._fullLayout; const box = map.getBoundingClientRect();
  const start = map.data.find((t) => t.name === 'start');
  const x0 = box.left + layout.xaxis._offset + layout.xaxis.c2p(start.x[0]);
  const y0 = box.top + layout.yaxis._offset + layout.yaxis.c2p(start.y[0]);
  const at = (t) => [x0 + 40 * Math.sin(2 * t), y0 + 40 * (1 - Math.cos(2 * t))];
  const event = ([x, y]) => ({ clientX: x, clientY: y, bubbles: true, cancelable: true, button: 0, pointerId: 1,
    isPrimary: true });
  map.querySelector('.nsewdrag').dispatchEvent(new PointerEvent('pointerdown', event([x0, y0])));
  const before = Number(root.dataset.scenes || 0);
  const began = performance.now();
  await new Promise((done) => {
    const tick = () => {
      const t = (performance.now() - began) / 1000;
      if (t > seconds) return done();
      window.dispatchEvent(new PointerEvent('pointermove', event(at(t))));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const perSecond = (Number(root.dataset.scenes) - before) / ((performance.now() - began) / 1000);
  window.dispatchEvent(new PointerEvent('pointerup', event(at(seconds))));
  return perSecond;
}"""
DRAG_OVER = "() => document.querySelector('.lm-root').dataset.dragging !== 'true'"


def _moves(page, pid: int, slider, shown: str, drawn: str, received: list[int], count: int, rungs: bool = False):
    """Press → on `slider` `count` times: server CPU, bytes, key press → first frame showing the new
    paths, → first frame of the server's scene, → every plot redrawn, → scene in the view (ours), per
    move. rungs: the slider's positions are the scene's ladder's rungs (the view may preview them)."""
    cpu, sizes, frames, served, wholes, arrivals, windows = [], [], [], [], [], [], []
    page.evaluate(PRESS_CLOCK)
    page.evaluate(f"() => {{ if (document.querySelector('.lm-root')) ({PREVIEW_LOG})(); }}")
    for _ in range(count):
        old = page.evaluate(shown)
        _settle(page, pid)
        before_cpu, before_bytes, began = cpu_seconds(pid), sum(received), time.monotonic()
        slider.focus()
        page.keyboard.press("ArrowRight")
        at = _wait_drawn(page, shown, drawn, old)
        pressed = page.evaluate("() => window.__pressedAt")
        first = page.evaluate(FIRST_FRAME)
        first = at if first is None else first
        # the slider's position is the rung the view may preview (the learning rate's only)
        previewed = page.evaluate(FIRST_PREVIEW, int(slider.input_value())) if rungs else None
        frames.append((min(first, previewed if previewed is not None else first) - pressed) / 1000)
        served.append((first - pressed) / 1000)
        wholes.append((at - pressed) / 1000)
        arrivals.append((page.evaluate(ARRIVED) - pressed) / 1000)
        _settle(page, pid)
        cpu.append(cpu_seconds(pid) - before_cpu)
        windows.append(time.monotonic() - began)
        sizes.append(sum(received) - before_bytes)
    return cpu, sizes, frames, served, wholes, arrivals, windows


def idle_rate(page, pid: int, seconds: float = 5.0) -> float:
    """The server's CPU seconds per second with the page open and nobody moving (Streamlit polls its
    config files five times a second, whether or not anyone moves)."""
    _settle(page, pid)
    before, began = cpu_seconds(pid), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    return (cpu_seconds(pid) - before) / (time.monotonic() - began)


def _above(cpu: list[float], windows: list[float], idle: float) -> list[float]:
    """Each move's CPU less what the idle server spends over the same wall time."""
    return [used - idle * window for used, window in zip(cpu, windows)]


def _previews(page, pid: int, shown: str, drawn: str, count: int) -> tuple[list[float], list[float]]:
    """The view's own learning-rate control: key press → the first frame of the previewed rate
    (drawn in the browser from the scene's ladder), each press then kept by its rerun; and the
    frames per second while the control is dragged."""
    if not page.evaluate(HAS_PREVIEW):
        return [], []
    rate = page.locator(".lm-rate")
    rate.hover()
    page.wait_for_function(LADDER_KEPT, timeout=60_000)
    frames = []
    for _ in range(count):
        _settle(page, pid)
        old = page.evaluate(shown)
        rate.focus()
        wanted = min(int(rate.get_attribute("max")), int(rate.input_value()) + 1)
        page.keyboard.press("ArrowRight")
        at = float(page.wait_for_function(PREVIEWED, arg=wanted, polling="raf", timeout=60_000).json_value())
        frames.append((at - page.evaluate("() => window.__pressedAt")) / 1000)
        _wait_drawn(page, shown, drawn, old)  # the rate kept: the rerun's scene
    fps = []
    for _ in range(3):
        _settle(page, pid)
        fps.append(page.evaluate(DRAG, 3))
    return frames, fps


def _start_drags(page, pid: int) -> list[float]:
    """Scenes per second while the start marker is dragged on the map (3 s, three times)."""
    if not page.evaluate("() => !!document.querySelector('.lm-start-drag')"):
        return []
    rates = []
    for _ in range(3):
        _settle(page, pid)
        rates.append(page.evaluate(START_DRAG, 3))
        page.wait_for_function(DRAG_OVER, timeout=60_000)
    return rates


def measure(name: str, script: str, path: str, shown: str, drawn: str, moves: int, loads: int,
            lr_label: str = "Learning rate", start_label: str = "Start x") -> Figures:
    """The four figures for one app (see the module's docstring)."""
    with running_server(script) as (url, server), browser() as chromium:
        first = []
        for _ in range(loads):
            context = chromium.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(url + path)
            first.append(_wait_drawn(page, shown, drawn) / 1000)
            context.close()
        received: list[int] = []
        page = _page(chromium, received)
        page.goto(url + path)
        _wait_drawn(page, shown, drawn)
        idle = idle_rate(page, server.pid)
        lr = page.locator('[data-testid="stSlider"]').filter(has_text=lr_label).first.get_by_role("slider")
        lr_cpu, lr_bytes, lr_frame, lr_served, lr_whole, lr_arrival, lr_windows = _moves(
            page, server.pid, lr, shown, drawn, received, moves, rungs=True)
        # the start moves from the default scene too (not from the learning rate the moves above left)
        page.goto(url + path)
        _wait_drawn(page, shown, drawn)
        start = page.locator('[data-testid="stSlider"]').filter(has_text=start_label).first.get_by_role("slider")
        start_cpu, start_bytes, start_frame, _, _, _, start_windows = _moves(
            page, server.pid, start, shown, drawn, received, moves)
        preview_frame, preview_fps = _previews(page, server.pid, shown, drawn, moves)
        drag_scenes = _start_drags(page, server.pid) if path == "/" else []
    return Figures(name, _above(lr_cpu, lr_windows, idle), lr_bytes, lr_frame, lr_served,
                   _above(start_cpu, start_windows, idle), start_bytes, start_frame, first, lr_arrival, lr_whole,
                   preview_frame, preview_fps, drag_scenes, idle, lr_cpu, start_cpu)


def _median(values) -> float:
    return statistics.median(values) if values else float("nan")


# the bare reference app's medians on the machine the targets were set on (docs/PERFORMANCE.md,
# 2026-11-26): a target is about that machine, so on another one it is read at the speed the same
# run's reference shows (its figure here over its figure there)
REFERENCE_WHEN_SET = {"lr_cpu": 0.056, "start_cpu": 0.062, "lr_frame": 0.370, "start_frame": 0.313, "first_load": 2.13}


def machine_factors(reference: Figures) -> dict[str, float]:
    """How much longer each of the reference's figures takes here than where the targets were set."""
    return {field: _median(getattr(reference, field)) / then for field, then in REFERENCE_WHEN_SET.items()}


def target_here(target: str, scaled_by: str | None, factors: dict[str, float]) -> str:
    """A target read at this machine's speed: a time or CPU bound times the factor, a rate over it."""
    if not target or scaled_by is None:
        return ""
    sign, value, unit = target.split()
    factor = factors[scaled_by]
    here = float(value) * factor if sign == "≤" else float(value) / factor
    return f"{sign} {here:.{2 if unit == 's' else 1 if unit == '/s' else 0}f} {unit}"


def report(ours: list[Figures], reference: Figures) -> None:
    # label, field, scale, unit, target, and the reference's figure that scales the target to this machine
    rows = [("server CPU per learning-rate move, above idle", "lr_cpu", 1e3, "ms", "≤ 40 ms", "lr_cpu"),
            ("  the same, idle included", "lr_cpu_raw", 1e3, "ms", None, None),
            ("server CPU per start move, above idle", "start_cpu", 1e3, "ms", "≤ 40 ms", "start_cpu"),
            ("  the same, idle included", "start_cpu_raw", 1e3, "ms", None, None),
            ("bytes sent per learning-rate move", "lr_bytes", 1e-3, "kB", "≤ 50 kB", None),
            ("bytes sent per start move", "start_bytes", 1e-3, "kB", None, None),
            ("key press → first redrawn frame (lr slider)", "lr_frame", 1e3, "ms", "≤ 150 ms", "lr_frame"),
            ("  key press → the server's scene drawn", "lr_served", 1e3, "ms", None, None),
            ("  key press → the server's scene in the view", "lr_arrival", 1e3, "ms", None, None),
            ("key press → every plot redrawn (lr slider)", "lr_whole", 1e3, "ms", None, None),
            ("key press → first redrawn frame (lr preview)", "preview_frame", 1e3, "ms", "≤ 150 ms", None),
            ("lr preview, dragged: frames per second", "preview_fps", 1.0, "fps", "≥ 20 fps", None),
            ("key press → first redrawn frame (start)", "start_frame", 1e3, "ms", "≤ 150 ms", "start_frame"),
            # a dragged start is bound by the server's scene, as a start move's CPU is
            ("start marker dragged: scenes per second", "drag_scenes", 1.0, "/s", "≥ 5 /s", "start_cpu"),
            ("navigation → first drawn mountain", "first_load", 1.0, "s", "≤ 4 s", "first_load")]
    names = [figures.name for figures in ours] + [reference.name]
    factors = machine_factors(reference)
    print(f"{'median (min–max)':<46}" + "".join(f"{name:>26}" for name in names) + f"{'target':>10}"
          + f"{'here':>11}")
    for label, field, scale, unit, target, scaled_by in rows:
        cells = []
        for figures in [*ours, reference]:
            values = [value * scale for value in getattr(figures, field) or [] if value == value]  # NaN: not measured
            if not values:
                cells.append("–")
                continue
            digits = {"s": 2, "/s": 1}.get(unit, 0)
            cells.append(f"{_median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f}) {unit}")
        aim = target or ""
        print(f"{label:<46}" + "".join(f"{cell:>26}" for cell in cells) + f"{aim:>10}"
              + f"{target_here(target, scaled_by, factors):>11}")
    print(f"{'idle server, page open (ms of CPU a second)':<46}"
          + "".join(f"{figures.idle * 1e3:>23.1f} ms" for figures in [*ours, reference]))
    print("here: the target read at this machine's speed, by the reference's figure in this run over its figure "
          "where the targets were set (" + ", ".join(f"{field} {factor:.2f}×" for field, factor in factors.items())
          + "); a bound times that, a rate over it")
    for figures in ours:
        ratios = [(_median(getattr(figures, field)) / _median(getattr(reference, field)))
                  for field in ("lr_cpu", "lr_bytes", "lr_frame", "first_load")]
        print(f"{figures.name} / reference: CPU {ratios[0]:.2f}×, bytes {ratios[1]:.2f}×, "
              f"first frame {ratios[2]:.2f}×, first load {ratios[3]:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20, help="moves of each slider per app (default 20)")
    parser.add_argument("--quick", action="store_true", help="3 moves and 1 page load each: a smoke run")
    args = parser.parse_args()
    moves, loads = (3, 1) if args.quick else (args.moves, 5)
    explorer = measure("explorer", "app/main.py", "/", OURS_SHOWN, OURS_DRAWN, moves, loads)
    many = measure("many balls", "app/main.py", "/many", OURS_SHOWN, OURS_DRAWN, moves, loads)
    reference = measure("reference", "bench/reference_app.py", "/", REFERENCE_SHOWN, REFERENCE_DRAWN, moves, loads)
    print(f"{moves} moves of each slider, {loads} fresh page loads, one headless Chromium, this machine:")
    report([explorer, many], reference)


if __name__ == "__main__":
    main()
