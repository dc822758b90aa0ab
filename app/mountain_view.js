// The explorer's three linked Plotly views (3-D mountain, map, loss per step) with rolling balls.
// Streamlit calls this function again with new data on every rerun; the view object lives on the
// persistent root element, so Plotly.react updates the plots in place and the user's camera stays.

const PLOTLY_SRC = "app/static/plotly.min.js";
// nothing in a plot's toolbar may send the chart to an outside website
// a double click undoes a zoom, and no more: autosizing a map would show beyond the mountain
const PLOT_CONFIG = {
  responsive: true, displaylogo: false, scrollZoom: false, showSendToCloud: false, showEditInChartStudio: false,
  doubleClick: "reset",
  modeBarButtonsToRemove: ["sendChartToCloud", "editInChartStudio"],
};
// Presenter mode's parts, made the first time it is switched on: Streamlit sends a component's
// html and css with every rerun, this module only once
const KEYS_HTML = `
<button type="button" class="lm-keys-button" title="Keys for presenting (?)" aria-label="Keys for presenting">?</button>
<div class="lm-keys" role="dialog" aria-label="Keys for presenting" hidden>
  <strong>Keys for presenting</strong>
  <dl>
    <dt>Space</dt><dd>play or pause the balls; in the fog, Step</dd>
    <dt>← →</dt><dd>one step back or forward in time; in the fog, undo or take a step</dd>
    <dt>+ −</dt><dd>the learning rate (your stride) one notch up or down</dd>
    <dt>F</dt><dd>lift or lower the fog</dd>
    <dt>?</dt><dd>show or hide these keys</dd>
  </dl>
  <button type="button" class="lm-keys-close">Close</button>
</div>`;
const PRESENTER_CSS = `
/* presenter mode: the keys' button and their card; the 3-D view inside the screen at 150 % zoom */
.lm-keys-button { display: none; }
.lm-presenter .lm-keys-button {
  display: block; position: absolute; top: 0; right: 0; z-index: 5; width: 2.2rem; height: 2.2rem;
  border-radius: 50%; border: 1px solid var(--st-border-color, #d0d3da); background: var(--st-background-color, #fff);
  color: inherit; font: inherit; font-weight: 700; cursor: pointer;
}
.lm-keys {
  position: absolute; top: 2.6rem; right: 0; z-index: 6; max-width: 32rem; padding: 0.9rem 1.1rem;
  background: var(--st-background-color, #fff); border: 1px solid var(--st-border-color, #d0d3da);
  border-radius: 0.6rem; box-shadow: 0 6px 24px rgba(0, 0, 0, 0.18); font-size: 1.05rem;
}
.lm-keys[hidden] { display: none; }
.lm-keys dl { display: grid; grid-template-columns: auto 1fr; gap: 0.35rem 1rem; margin: 0.6rem 0; }
.lm-keys dt { font-weight: 700; font-family: var(--st-code-font, monospace); }
.lm-keys dd { margin: 0; }
.lm-keys-close { font: inherit; padding: 0.2rem 0.8rem; border-radius: 0.4rem; cursor: pointer; }
.lm-presenter .lm-mountain { height: clamp(260px, calc(100vh - 170px), 640px); }
.lm-presenter .lm-caption { font-size: 0.95rem; }
.lm-root.lm-presenter { padding-top: 2.6rem; }`;

// Presenter mode: the plots' text this much bigger, for a projector
const PRESENTER_FONT = 1.4;

function scaleFonts(layout) {
  if (!layout) return;
  layout.font = { ...(layout.font || {}), size: Math.round(((layout.font && layout.font.size) || 12) * PRESENTER_FONT) };
  // the axes' titles and ticks need the room their bigger text takes
  if (layout.margin) {
    layout.margin = { ...layout.margin };
    ["l", "b"].forEach((side) => { if (layout.margin[side]) layout.margin[side] = Math.round(layout.margin[side] * PRESENTER_FONT); });
  }
  (layout.annotations || []).forEach((note) => {
    if (note.font && note.font.size) note.font = { ...note.font, size: Math.round(note.font.size * PRESENTER_FONT) };
  });
}

// The page's own controls, found by what they say (presenter mode's keys press them)
function pageButton(pattern) {
  return [...document.querySelectorAll('[data-testid="stButton"] button')].find((button) => pattern.test(button.innerText.trim())) || null;
}

function pageLabel(pattern) {
  return [...document.querySelectorAll('label')].find((label) => pattern.test(label.innerText.trim())) || null;
}

function clickIfEnabled(button) {
  if (button && !button.disabled) button.click();
}


// the summed compass shows this many recent arrows one by one, the older ones as one
const RECENT_ARROWS = 12;
// below this many pixels a chart with a narrow layout uses it
const NARROW_WIDTH = 640;
// after the rate control is let go (or between key presses), wait this long before keeping the rate
const COMMIT_DELAY_MS = 350;
// a 3-D frame slower than this (software rendering) waits for the hand to rest this long
const SLOW_FRAME_MS = 40;
const MOUNTAIN_REST_MS = 120;
// a press this close to the start marker drags it; an unanswered position is re-sent after this long
const START_GRAB_PX = 14;
const DRAG_ANSWER_MS = 3000;
// a page slider's new position counts as the user's within this long of a hand on it
const PAGE_HAND_MS = 1000;
// an ask for a scene's ladder is made again once two scenes came without it (one may have left the
// server before the ask), or none came for this long (a rerun swallowed it): not while it is on its way
const LADDER_LOST_MS = 10000;
// a kept rate whose scene has not come within this long is asked for again (a rerun may swallow it)
const COMMIT_RETRY_MS = 2500;
// a hand on another control pauses the roll; if no new scene comes of it, the roll goes on after this long
const RESUME_MS = 2000;
const CONTROLS = '[role="slider"], [role="switch"], [role="checkbox"], [role="combobox"], [role="option"], input, select, button';
const TYPED = {
  f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array,
};

// Our own plotly.js, kept private: Streamlit's chart bundle may later put its own copy on
// window.Plotly, and a plot must only ever be touched by the copy that drew it.
function loadPlotly() {
  if (!window.__lossMountainPlotly) {
    window.__lossMountainPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = PLOTLY_SRC;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__lossMountainPlotly = null;
        reject(new Error("could not load " + PLOTLY_SRC));
      };
      document.head.appendChild(script);
    });
  }
  return window.__lossMountainPlotly;
}

// Plotly 7 sends numpy arrays as {dtype, bdata}; the animation needs plain numbers.
function numbers(value) {
  if (value && typeof value === "object" && typeof value.bdata === "string") {
    const bytes = Uint8Array.from(atob(value.bdata), (c) => c.charCodeAt(0));
    return Array.from(new TYPED[value.dtype](bytes.buffer));
  }
  return Array.from(value || []);
}

// A typed array of Plotly's {dtype, bdata}, without copying it into a plain array.
function typedArray(value) {
  const bytes = Uint8Array.from(atob(value.bdata), (c) => c.charCodeAt(0));
  return new TYPED[value.dtype](bytes.buffer);
}

// The learning-rate ladder (core.ladder_frames): every slider rate's paths, curves and |p.grad|.
function decodeLadder(key, asset) {
  const runs = asset.runs.map((run) => ({
    x: typedArray(run.x), y: typedArray(run.y), curve: typedArray(run.curve), norm: typedArray(run.norm),
  }));
  return { key, rates: Array.from(typedArray(asset.rates)), steps: asset.steps, width: asset.steps + 1,
    lrs: typedArray(asset.lrs), plain: asset.plain, runs };
}

// Run k at rung i: its drawn path, its loss curve and |p.grad|, cut where it diverged.
function rungOf(ladder, k, i) {
  const run = ladder.runs[k];
  const from = i * ladder.width;
  const row = run.x.subarray(from, from + ladder.width);
  const gone = row.findIndex(Number.isNaN);
  const kept = gone < 0 ? ladder.width : gone;
  const take = (values, start, count) => Array.from(values.subarray(start, start + count));
  return {
    x: take(run.x, from, kept), y: take(run.y, from, kept), curve: take(run.curve, from, kept),
    norm: take(run.norm, i * ladder.steps, kept - 1), lrs: take(ladder.lrs, i * ladder.steps, kept - 1),
    divergedAt: gone < 0 ? null : gone,
  };
}

// Where a log axis stops so one run that flies off cannot flatten the rest (core.figures.log_top).
function logTop(peaks) {
  const finite = peaks.filter((peak) => Number.isFinite(peak) && peak > 0);
  if (!finite.length) return null;
  const lowest = Math.min(...finite);
  const kept = finite.filter((peak) => peak <= 1e6 * lowest);
  const top = Math.max(...kept) * 10 ** 0.5;
  return kept.length < peaks.length ? top : null;
}

// A canvas laid over a whole plot, sized to it and cleared: 2-D drawing in the plot's pixels.
function overlay(canvas, gd) {
  const ratio = window.devicePixelRatio || 1;
  const width = gd.clientWidth;
  const height = gd.clientHeight;
  Object.assign(canvas.style, { width: `${width}px`, height: `${height}px` });
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

// One line drawn on a plot's overlay, in a trace's axes and style (see styleOf), clipped to them.
function drawLine(context, layout, trace, xs, ys) {
  if (!trace) return;
  const xaxis = layout[`xaxis${(trace.xaxis || "x").slice(1)}`];
  const yaxis = layout[`yaxis${(trace.yaxis || "y").slice(1)}`];
  if (!xaxis || !yaxis) return;
  const points = [];
  for (let j = 0; j < xs.length; j++) {
    const px = xaxis._offset + xaxis.c2p(xs[j]);
    const py = yaxis._offset + yaxis.c2p(ys[j]);
    points.push(Number.isFinite(px) && Number.isFinite(py) ? [px, py] : null);
  }
  context.save();
  context.beginPath();
  context.rect(xaxis._offset, yaxis._offset, xaxis._length, yaxis._length);
  context.clip();
  context.globalAlpha = trace.opacity === undefined ? 1 : trace.opacity;
  context.strokeStyle = trace.line.color;
  context.lineWidth = trace.line.width;
  context.lineJoin = "round";
  context.setLineDash(trace.line.dash && trace.line.dash !== "solid" ? [6, 4] : []);
  context.beginPath();
  let drawing = false;
  points.forEach((point) => {
    if (!point) drawing = false;
    else if (drawing) context.lineTo(point[0], point[1]);
    else {
      context.moveTo(point[0], point[1]);
      drawing = true;
    }
  });
  context.stroke();
  if ((trace.mode || "").includes("markers") && trace.marker) {
    context.fillStyle = trace.marker.color || trace.line.color;
    const radius = (trace.marker.size || 6) / 2;
    points.forEach((point) => {
      if (!point) return;
      context.beginPath();
      context.arc(point[0], point[1], radius, 0, 2 * Math.PI);
      context.fill();
    });
  }
  context.restore();
}

// A transparent 2 × 2 heatmap over a map's whole frame: clicks and hovers land on it, it shows
// nothing; none where the map's axes have no fixed range.
function clickCover(layout) {
  const [xaxis, yaxis] = [layout.xaxis || {}, layout.yaxis || {}];
  if (!Array.isArray(xaxis.range) || !Array.isArray(yaxis.range)) return [];
  // one cell whose edges are the ranges: a double-click's autorange comes back to the map, not
  // half a cell beyond it on every side
  return [{
    type: "heatmap", x: [...layout.xaxis.range], y: [...layout.yaxis.range], z: [[0]],
    opacity: 0, showscale: false, hoverinfo: "none", name: "map", meta: { role: "click_cover" },
  }];
}

// What the preview's canvases need of a drawn trace: its axes and its look.
function styleOf(trace) {
  return {
    xaxis: trace.xaxis, yaxis: trace.yaxis, opacity: trace.opacity, mode: trace.mode,
    line: { color: trace.line.color, width: trace.line.width, dash: trace.line.dash },
    marker: trace.marker ? { color: trace.marker.color, size: trace.marker.size } : null,
  };
}

function sameRange(a, b) {
  return Boolean(a && b) && a.length === b.length && a.every((value, i) => Math.abs(value - b[i]) < 1e-9);
}

function tracesByRole(figure, role) {
  const found = [];
  figure.data.forEach((trace, index) => {
    if (trace.meta && trace.meta.role === role) found[trace.meta.run] = index;
  });
  return found;
}

function traceWithRole(figure, role) {
  return figure.data.findIndex((trace) => trace.meta && trace.meta.role === role);
}

// A swarm's frames: every ball's x, y and height at each shown step (frames × balls).
function decodeSwarm(swarm) {
  const x = numbers(swarm.x);
  const balls = swarm.colors.length;
  return { x, y: numbers(swarm.y), z: numbers(swarm.z), steps: numbers(swarm.steps), colors: swarm.colors,
    balls, frames: x.length / balls };
}

// plotly.js's WebGL scene behind a 3-D plot (internal, so every use has a public fallback)
function glScene(gd) {
  return gd._fullLayout && gd._fullLayout.scene ? gd._fullLayout.scene._scene : undefined;
}

function shapesNamed(figure, prefix) {
  const found = [];
  (figure.layout.shapes || []).forEach((shape, index) => {
    if (shape.name && shape.name.startsWith(prefix)) found[Number(shape.name.slice(prefix.length))] = index;
  });
  return found;
}

// The parts of a payload the browser keeps for the whole page (a mountain's terrain, Plotly's
// template): the server sends each once per session and references it afterwards.
const KEPT = (window.__lossMountainKept = window.__lossMountainKept || new Map());
const TEMPLATE_KEY = "template:plotly";

// Put the payload's shared arrays and the kept parts in place; returns the keys it lacks.
function resolvePayload(payload) {
  Object.entries(payload.assets || {}).forEach(([key, value]) => KEPT.set(key, value));
  const arrays = payload.arrays || {};
  const put = (value) => {
    if (Array.isArray(value)) return value.map(put);
    if (value && typeof value === "object") {
      if (typeof value.$array === "string") return arrays[value.$array];
      const out = {};
      for (const [key, item] of Object.entries(value)) out[key] = put(item);
      return out;
    }
    return value;
  };
  const missing = new Set();
  const figures = put(payload.figures);
  rebuildHeights(figures.mountain);
  Object.values(figures).forEach((figure) => {
    if (!figure.layout.template) {
      if (KEPT.has(TEMPLATE_KEY)) figure.layout.template = KEPT.get(TEMPLATE_KEY);
      else missing.add(TEMPLATE_KEY);
    }
    figure.data = figure.data.map((trace) => {
      const meta = trace.meta || {};
      if (meta.role !== "terrain" || "z" in trace) return trace;
      if (!KEPT.has(meta.asset)) {
        missing.add(meta.asset);
        return trace;
      }
      return KEPT.get(meta.asset);
    });
  });
  payload.figures = figures;
  const ladder = payload.ladder;
  if (ladder && typeof ladder.rates === "string") {
    if (KEPT.has(ladder.rates)) ladder.rates = KEPT.get(ladder.rates);
    else missing.add(ladder.rates);
  }
  return [...missing];
}

// A path's drawn z from its losses, as core.figures draws it: min(display(loss), top) + lift,
// where display is the loss itself or log1p((loss − min) / scale) on a steep mountain.
function rebuildHeights(figure) {
  const height = figure && figure.layout.meta && figure.layout.meta.height;
  if (!height) return;
  const display = height.display === "log1p"
    ? (loss) => Math.log1p(Math.max(loss - height.min, 0) / height.scale)
    : (loss) => loss;
  figure.data.forEach((trace) => {
    if (!trace.meta || trace.meta.z !== "height") return;
    const data = numbers(trace.customdata);
    const columns = data.length / numbers(trace.x).length;  // the losses, or (step, loss, x, y) rows
    const losses = columns === 1 ? data : data.filter((_, i) => i % columns === 1);
    trace.z = losses.map((loss) => Math.min(display(loss), height.top) + height.lift);
  });
}

// A run's fresh gradients (one per position) and their running sums: without zero_grad(),
// p.grad at step i is the sum of the compass arrows felt at positions 0..i.
function decodeSum(sum) {
  const fresh = numbers(sum.fresh);
  const count = fresh.length / 2;
  const cum = new Float64Array(fresh.length);
  const extent = new Float64Array(count);
  let x = 0, y = 0, far = 0;
  for (let i = 0; i < count; i++) {
    x += fresh[2 * i];
    y += fresh[2 * i + 1];
    cum[2 * i] = x;
    cum[2 * i + 1] = y;
    far = Math.max(far, Math.hypot(x, y));
    extent[i] = far;
  }
  return { fresh, cum, extent, count, label: sum.label, color: sum.color, exact: sum.exact !== false };
}

// Numbers for people, as the server writes them: 3 significant digits, no "e+".
function fmt(value) {
  if (!Number.isFinite(value)) return "∞";
  if (value === 0) return "0";
  const size = Math.floor(Math.log10(Math.abs(value)));
  if (size < -4 || size >= 6) return value.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
  return String(Number(value.toPrecision(3)));
}

class MountainView {
  constructor(root) {
    this.root = root;
    this.plots = {
      mountain: root.querySelector(".lm-mountain"),
      map: root.querySelector(".lm-map"),
      terrain: root.querySelector(".lm-map-terrain"),
      loss: root.querySelector(".lm-loss"),
      feature: root.querySelector(".lm-feature"),
    };
    this.featureBox = root.querySelector(".lm-feature-box");
    this.keysHelp = null;  // made when presenter mode is first switched on (see presenterParts)
    this.listenForKeys();
    this.swarmCanvas = root.querySelector(".lm-swarm");
    this.mapCanvas = root.querySelector(".lm-map-preview");
    this.lossCanvas = root.querySelector(".lm-loss-preview");
    this.playButton = root.querySelector(".lm-play");
    this.scrubber = root.querySelector(".lm-scrub");
    this.stepLabel = root.querySelector(".lm-step");
    this.speed = root.querySelector(".lm-speed");
    this.status = root.querySelector(".lm-status");
    this.sumsBox = root.querySelector(".lm-sums");
    this.rateBar = root.querySelector(".lm-rate-bar");
    this.rate = root.querySelector(".lm-rate");
    this.rateValue = root.querySelector(".lm-rate-value");
    this.step = 0;
    this.playing = false;
    this.drawing = false;
    this.pending = false;
    this.sendTrigger = null;
    this.playButton.addEventListener("click", () => this.togglePlay());
    this.scrubber.addEventListener("change", () => this.syncMountainBalls());
    this.scrubber.addEventListener("input", () => {
      this.pause();
      this.showStep(Number(this.scrubber.value));
    });
    // the ladder is fetched when a hand comes near the rate control, so the first drag has it
    this.listenForStartDrags();
    this.listenForOtherControls();
    this.listenForPageRate();
    ["pointerenter", "focus", "pointerdown"].forEach((name) => this.rate.addEventListener(name, () => this.wantLadder()));
    this.rate.addEventListener("input", () => {
      this.followingPage = false;
      this.previewRate(Number(this.rate.value));
    });
    // let go (or a pause between key presses): keep the rate, one rerun for the verdicts, link and tabs
    this.rate.addEventListener("change", () => {
      clearTimeout(this.commitTimer);
      this.commitTimer = setTimeout(() => this.commitRate(), COMMIT_DELAY_MS);
    });
  }

  async update(payload) {
    const Plotly = (this.Plotly = await loadPlotly());
    // a preview frame being drawn finishes first (it hides the map's own paths): it must not land
    // on the new scene
    this.previewing = false;
    if (this.previewDrawing) await this.previewDone;
    this.payload = payload;
    const { mountain, map, loss, feature } = payload.figures;
    if (this.presenter) [mountain, map, loss, feature].forEach((figure) => figure && scaleFonts(figure.layout));
    // the terrain leaves the map's own plot first, so every index into the map's traces is its own
    const groundTraces = this.takeTerrain(map);
    this.balls = { mountain: tracesByRole(mountain, "ball"), map: shapesNamed(map, "ball:") };
    this.swarm = payload.swarm ? decodeSwarm(payload.swarm) : null;
    this.swarmTrace = traceWithRole(mountain, "swarm");
    if (this.swarm) {
      // the canvas draws the rolling balls on the map; the figure's own copy would stand still
      const still = traceWithRole(map, "swarm");
      if (still >= 0) map.data[still].visible = false;
    }
    // each run's path, decoded once: x, y and the drawn height z on the mountain
    this.paths = tracesByRole(mountain, "path").map((index) => {
      const trace = mountain.data[index];
      return { x: numbers(trace.x), y: numbers(trace.y), z: numbers(trace.z) };
    });
    this.lastStep = this.swarm ? this.swarm.frames - 1 : Math.max(0, ...this.paths.map((path) => path.x.length - 1));
    this.sums = payload.sums ? payload.sums.map(decodeSum) : null;
    this.traces = {
      mountain: tracesByRole(mountain, "path"), map: tracesByRole(map, "path"), loss: tracesByRole(loss, "path"),
      norm: tracesByRole(loss, "grad_norm"), lr: tracesByRole(loss, "lr"),
      cut: loss.data.map((trace, i) => (trace.meta && trace.meta.role === "cut" ? i : -1)).filter((i) => i >= 0),
    };
    this.height = mountain.layout.meta && mountain.layout.meta.height;
    this.names = this.traces.mountain.map((index) => mountain.data[index].name);
    this.runCount = (payload.ladder && payload.ladder.runs) || this.names.length;  // runs before ghosts
    this.showLadder(payload.ladder || null);
    this.addSumMarks(map);
    this.scrubber.max = String(this.lastStep);
    const focus = Number.isInteger(payload.step) ? payload.step : null;
    // a scene answering a drag of the start shows where the balls end, drawn with the figures
    const answering = Boolean(this.startDrag && this.startDrag.sent);
    const settled = answering && !this.swarm && !this.sums && focus === null;
    this.placeBalls(mountain, map, settled ? this.lastStep : focus === null ? 0 : focus, focus);
    const stepLine = loss.layout.shapes && loss.layout.shapes[0];
    if (settled && stepLine) Object.assign(stepLine, { x0: this.lastStep, x1: this.lastStep });
    this.featureClick = payload.feature_click || null;
    this.root.querySelector(".lm-toolbar").hidden = payload.toolbar === false;
    this.featureBox.hidden = !feature;
    if (feature) {
      // a narrow screen takes the figure's own narrow layout (legends below, short labels)
      const narrow = feature.layout.meta && feature.layout.meta.narrow;
      const small = narrow && this.featureBox.parentElement.clientWidth < NARROW_WIDTH;
      if (small) {
        const { extra_height: extra, ...changes } = narrow;
        Object.assign(feature.layout, changes);
        this.plots.feature.style.height = `${(payload.feature_height || 460) + (extra || 0)}px`;
      } else {
        this.plots.feature.style.height = `${payload.feature_height || 460}px`;
      }
      this.root.querySelector(".lm-feature-caption").textContent = (payload.captions || {}).feature || "";
    }
    // a phone takes each figure's own narrow layout, where it has one (no legend over the mountain,
    // the 3-D view from farther back so its loss labels stay on screen)
    const phone = this.root.clientWidth < NARROW_WIDTH;
    [mountain, map, loss].forEach((figure) => {
      const narrow = figure.layout.meta && figure.layout.meta.narrow;
      if (!phone || !narrow) return;
      const { scene_camera: camera, ...changes } = narrow;
      Object.assign(figure.layout, changes);
      if (camera && figure.layout.scene) figure.layout.scene = { ...figure.layout.scene, camera };
    });
    const ground = this.terrainFrame(map, groundTraces);
    // plotly.js saves the camera on mouseup but eases it on behind the pointer for a moment
    // (longer on a slow machine); save where it came to rest, or the redraw snaps it back
    const scene = glScene(this.plots.mountain);
    if (scene && typeof scene.saveLayout === "function") scene.saveLayout(this.plots.mountain.layout);
    // when this scene reached the view (the benches read it beside the key press and the drawn frame)
    this.root.dataset.receivedAt = String(performance.now());
    // the next dragged position goes out before this scene is drawn
    if (answering) {
      this.startDrag.sent = null;
      this.sendDraggedStart(true);
    }
    // while the start is held the mountain (a slow frame in software rendering) waits for a rest
    const held = Boolean(this.startDrag && !this.startDrag.released);
    clearTimeout(this.mountainCatchUp);
    this.mountainBehind = held ? { data: mountain.data, layout: mountain.layout } : null;
    // the map first, in a frame of its own: the new paths show while the charts and the 3-D
    // mountain (a slow frame in software WebGL) are still being drawn
    await this.drawTerrain(ground);
    await Plotly.react(this.plots.map, map.data, map.layout, PLOT_CONFIG);
    this.listenForZoom();
    await new Promise((painted) => {
      requestAnimationFrame(() => {
        // when the first frame with this scene's paths was drawn (the benches read it)
        this.root.dataset.frameAt = String(performance.now());
        this.root.dataset.frameOf = payload.revision;
        setTimeout(painted, 0);
      });
      setTimeout(painted, 100);  // a hidden tab draws no frames: go on without one
    });
    await Plotly.react(this.plots.loss, loss.data, loss.layout, PLOT_CONFIG);
    await Promise.all([
      held ? null : Plotly.react(this.plots.mountain, mountain.data, mountain.layout, PLOT_CONFIG),
      feature ? Plotly.react(this.plots.feature, feature.data, feature.layout, PLOT_CONFIG) : null,
    ]);
    // plotly.js has just drawn the balls where placeBalls put them: no restyle needed to agree
    // (one was a whole software-rendered 3-D frame, about 90 ms, after every scene)
    if (!held) this.mountainStale = false;
    if (feature) this.listenToFeature();
    else if (this.plots.feature.data) {
      Plotly.purge(this.plots.feature);
      this.featureListening = false;
    }
    this.swarmCanvas.hidden = !this.swarm;
    this.mapCanvas.hidden = true;
    this.lossCanvas.hidden = true;
    this.listenForClicks();
    // a page may say what its plots are for (the network page has no start to click)
    const captions = payload.captions || {};
    this.root.querySelectorAll(".lm-views .lm-caption").forEach((caption, i) => {
      if (!caption.dataset.original) caption.dataset.original = caption.textContent;
      caption.textContent = [captions.mountain, captions.map][i] || caption.dataset.original;
    });
    this.clickable = payload.clickable !== false;
    this.root.dataset.revision = payload.revision;
    this.drawnRevision = payload.revision;
    this.root.dataset.scenes = String(Number(this.root.dataset.scenes || 0) + 1);
    if (held) this.catchUpWhenResting();
    if (answering && this.startDrag) {
      // mid-drag: where the balls end, at once (already drawn with the figures when `settled`)
      this.pause(false);
      const shown = focus === null ? this.lastStep : focus;  // step by step: the step on show
      if (settled) this.showLabels(shown); else this.showStep(shown);
      return;
    }
    // step-by-step mode names the step to show; otherwise the balls roll from the start
    this.pause();
    this.showStep(focus === null ? 0 : focus);
    // people who ask their system for less motion see where the balls end; ▶ still rolls them
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (payload.autoplay && still) this.showStep(this.lastStep);
    if (payload.autoplay && !still && this.lastStep > 0) this.play(); else this.pause();
  }

  // The map's terrain (its contours) goes to a plot of its own under the map, drawn only when
  // the mountain or the map's frame changes: redrawing the contours was two thirds of every map
  // redraw (a new scene, a rolling ball's frame). The map's plot above it is transparent.
  takeTerrain(map) {
    const isGround = (trace) => trace.meta && trace.meta.role === "terrain";
    const ground = map.data.filter(isGround);
    // under everything an invisible cover of the whole map, so a click anywhere reaches the map
    // (plotly.js reports a click only over a trace that answers hovers; the contours were one)
    map.data = [...clickCover(map.layout), ...map.data.filter((trace) => !isGround(trace))];
    return ground;
  }

  // The terrain's plot: the map's layout as it will be drawn (a phone's too), without its marks.
  terrainFrame(map, ground) {
    if (!ground.length) return null;
    const { shapes, annotations, ...frame } = map.layout;
    map.layout.plot_bgcolor = "rgba(0,0,0,0)";
    map.layout.paper_bgcolor = "rgba(0,0,0,0)";
    // its axes take the same room but draw nothing: the map's plot draws them once
    const hidden = { color: "rgba(0,0,0,0)" };
    return { data: ground, layout: { ...frame, xaxis: { ...frame.xaxis, ...hidden }, yaxis: { ...frame.yaxis, ...hidden } } };
  }

  async drawTerrain(ground) {
    const gd = this.plots.terrain;
    if (!ground) {
      if (gd.data) this.Plotly.purge(gd);
      gd.hidden = true;
      this.terrainKey = null;
      return;
    }
    gd.hidden = false;
    // the terrain's traces are the kept parts themselves: the same objects while the mountain stays
    const key = JSON.stringify(ground.layout);
    if (this.terrainTraces && key === this.terrainKey && ground.data.length === this.terrainTraces.length
        && ground.data.every((trace, i) => trace.z === this.terrainTraces[i].z)) return;
    this.terrainKey = key;
    this.terrainTraces = ground.data;
    // zoomed or panned on the map: the terrain's axes follow (uirevision keeps both across scenes)
    const ranges = {};
    const full = this.plots.map._fullLayout;
    if (full && full.xaxis && this.plots.map.layout.uirevision === ground.layout.uirevision) {
      ranges.xaxis = { ...ground.layout.xaxis, range: [...full.xaxis.range] };
      ranges.yaxis = { ...ground.layout.yaxis, range: [...full.yaxis.range] };
    }
    await this.Plotly.react(gd, ground.data, { ...ground.layout, ...ranges }, { ...PLOT_CONFIG, displayModeBar: false });
  }

  // The map's zoom and pan, and the loss under the pointer, passed down to the terrain's plot.
  listenForZoom() {
    if (this.zoomListening) return;
    this.zoomListening = true;
    const map = this.plots.map;
    const terrain = this.plots.terrain;
    map.on("plotly_relayout", (event) => {
      const moved = Object.keys(event).filter((key) => /^[xy]axis\.(range|autorange)/.test(key));
      if (!moved.length || terrain.hidden || !terrain.data) return;
      const changes = {};
      moved.forEach((key) => { changes[key] = event[key]; });
      this.Plotly.relayout(terrain, changes);
    });
    const hover = (event) => {
      const layout = map._fullLayout;
      if (terrain.hidden || !terrain.data || !layout || !layout.xaxis || !this.Plotly.Fx) return;
      const box = map.getBoundingClientRect();
      const px = event.clientX - box.left - layout.xaxis._offset;
      const py = event.clientY - box.top - layout.yaxis._offset;
      if (px < 0 || py < 0 || px > layout.xaxis._length || py > layout.yaxis._length) {
        this.Plotly.Fx.unhover(terrain);
        return;
      }
      this.Plotly.Fx.hover(terrain, { xval: layout.xaxis.p2d(px), yval: layout.yaxis.p2d(py) }, "xy");
    };
    map.addEventListener("mousemove", hover);
    map.addEventListener("mouseleave", () => { if (terrain.data && this.Plotly.Fx) this.Plotly.Fx.unhover(terrain); });
  }

  // Put the balls where the animation starts before the first draw, so nothing flashes.
  // The figure draws each ball a little above its path: keep that lift while it rolls.
  placeBalls(mountain, map, step, focus) {
    if (this.swarm && this.swarmTrace >= 0) {
      Object.assign(mountain.data[this.swarmTrace], this.swarmAt(step));
    }
    this.paths.forEach((path, run) => {
      const last = path.x.length - 1;
      const drawnAt = Number.isInteger(focus) ? Math.min(focus, last) : last;
      const ball3d = mountain.data[this.balls.mountain[run]];
      const ball2d = map.layout.shapes[this.balls.map[run]];
      this.lift = numbers(ball3d.z)[0] - path.z[drawnAt];
      const i = Math.min(step, last);
      Object.assign(ball3d, { x: [path.x[i]], y: [path.y[i]], z: [path.z[i] + this.lift] });
      Object.assign(ball2d, { xanchor: path.x[i], yanchor: path.y[i] });
    });
  }

  // Without zero_grad(): at each ball, p.grad drawn as what it is, the sum of every compass arrow
  // felt so far, tip to tail: the older ones summed into one grey arrow, the last RECENT_ARROWS
  // one by one (a thin line), the fresh one in black, and their sum, p.grad, in the run's colour.
  // Shapes and annotations move with a cheap relayout, like the balls.
  addSumMarks(map) {
    this.sumIndex = [];
    this.sumsBox.hidden = !this.sums;
    if (!this.sums) return;
    const shapes = (map.layout.shapes = map.layout.shapes || []);
    const notes = (map.layout.annotations = map.layout.annotations || []);
    const [x0, x1] = map.layout.xaxis.range;
    const [y0, y1] = map.layout.yaxis.range;
    this.sumLength = 0.2 * Math.hypot(x1 - x0, y1 - y0);
    this.sums.forEach((sum, k) => {
      const arrow = { xref: "x", yref: "y", axref: "x", ayref: "y", text: "", showarrow: true, arrowhead: 2,
        arrowsize: 1, visible: false };
      this.sumIndex[k] = { halo: shapes.length, line: shapes.length + 1, older: notes.length,
        fresh: notes.length + 1, total: notes.length + 2 };
      // a white halo under the chain keeps it readable over contours and paths
      shapes.push({ type: "path", name: `sum-halo:${k}`, path: "M 0 0", xref: "x", yref: "y", layer: "above",
        line: { color: "white", width: 4.5 }, opacity: 0.9, visible: false });
      shapes.push({ type: "path", name: `sum:${k}`, path: "M 0 0", xref: "x", yref: "y", layer: "above",
        line: { color: sum.color, width: 2 }, visible: false });
      notes.push({ ...arrow, name: `sum-older:${k}`, arrowwidth: 2.5, arrowcolor: "#8a8a8a" });
      notes.push({ ...arrow, name: `sum-fresh:${k}`, arrowwidth: 2, arrowcolor: "#111" });
      notes.push({ ...arrow, name: `sum-total:${k}`, arrowwidth: 3.5, arrowcolor: sum.color });
    });
    const marks = this.sumMarks(this.positionsAt(this.step), Math.floor(this.step));
    Object.entries(marks).forEach(([key, value]) => {
      const [, group, index, field] = key.match(/^(shapes|annotations)\[(\d+)\]\.(.+)$/);
      (group === "shapes" ? shapes : notes)[Number(index)][field] = value;
    });
  }

  // The relayout that draws each run's summed compass with its ball at `at`, for step i.
  sumMarks(at, i) {
    const marks = {};
    if (!this.sums) return marks;
    const lines = [];
    this.sums.forEach((sum, k) => {
      const where = this.sumIndex[k];
      const j = Math.min(i, sum.count - 1);
      const first = Math.max(0, j - RECENT_ARROWS);  // cum[first] sums the older arrows (0 … first)
      let far = 0;
      for (let m = first; m <= j; m++) far = Math.max(far, Math.hypot(sum.cum[2 * m], sum.cum[2 * m + 1]));
      const ball = at[k];
      const drawable = Boolean(ball && Number.isFinite(far) && far > 0 && sum.exact);
      const older = drawable && first > 0;
      marks[`shapes[${where.line}].visible`] = drawable;
      marks[`shapes[${where.halo}].visible`] = drawable;
      marks[`annotations[${where.older}].visible`] = older;
      marks[`annotations[${where.fresh}].visible`] = drawable;
      marks[`annotations[${where.total}].visible`] = drawable;
      const held = Math.hypot(sum.cum[2 * j], sum.cum[2 * j + 1]);
      const felt = Math.hypot(sum.fresh[2 * j], sum.fresh[2 * j + 1]);
      lines.push({ sum, text: sum.exact
        ? `p.grad = the sum of ${j + 1} compass arrow${j ? "s" : ""} · |p.grad| ${fmt(held)} · fresh |∇f| ${fmt(felt)}`
        : `clipping rescales p.grad each step, so it is no longer the plain sum · fresh |∇f| ${fmt(felt)}` });
      if (!drawable) return;
      const scale = this.sumLength / far;
      const tip = (m) => [ball.x + scale * sum.cum[2 * m], ball.y + scale * sum.cum[2 * m + 1]];
      const set = (index, from, to) => Object.assign(marks, {
        [`annotations[${index}].ax`]: from[0], [`annotations[${index}].ay`]: from[1],
        [`annotations[${index}].x`]: to[0], [`annotations[${index}].y`]: to[1],
      });
      const origin = [ball.x, ball.y];
      const start = older ? tip(first) : origin;
      let path = `M ${start.join(" ")}`;
      for (let m = older ? first + 1 : 0; m <= j; m++) path += ` L ${tip(m).join(" ")}`;
      marks[`shapes[${where.line}].path`] = path;
      marks[`shapes[${where.halo}].path`] = path;
      if (older) set(where.older, origin, tip(first));
      set(where.fresh, j > 0 ? tip(j - 1) : origin, tip(j));
      set(where.total, origin, tip(j));
    });
    this.showSumNumbers(lines);
    return marks;
  }

  showSumNumbers(lines) {
    const key = document.createElement("div");
    key.className = "lm-sums-key";
    key.textContent = `At each ball, p.grad tip to tail: grey, the older compass arrows summed; thin, the last ` +
      `${RECENT_ARROWS} one by one; black, the fresh one; coloured, their sum p.grad (the step goes against it).`;
    this.sumsBox.replaceChildren(key, ...lines.map(({ sum, text }) => {
      const line = document.createElement("div");
      const dot = document.createElement("span");
      dot.style.color = sum.color;
      dot.textContent = "● ";
      const name = document.createElement("b");
      name.textContent = sum.label + ": ";
      line.append(dot, name, document.createTextNode(text));
      return line;
    }));
  }

  positionsAt(t) {
    // interpolate inside a step so a few big strides still glide instead of jumping
    return this.paths.map((path) => {
      const last = path.x.length - 1;
      const i = Math.min(Math.floor(t), last);
      const j = Math.min(i + 1, last);
      const f = i === last ? 0 : t - i;
      const mix = (a) => a[i] + (a[j] - a[i]) * f;
      return { x: mix(path.x), y: mix(path.y), z: mix(path.z) + this.lift };
    });
  }

  // The step a frame shows: a swarm's frames may skip steps, a path's are every step.
  stepOf(frame) {
    return this.swarm ? this.swarm.steps[frame] : frame;
  }

  showStep(t) {
    this.showLabels(t);
    return this.draw();
  }

  // The step's number on the scrubber and its label, the balls left where they are.
  showLabels(t) {
    this.step = Math.max(0, Math.min(t, this.lastStep));
    const shown = Math.floor(this.step);
    this.scrubber.value = String(shown);
    this.stepLabel.textContent = `step ${this.stepOf(shown)} / ${this.stepOf(this.lastStep)}`;
    this.root.dataset.step = String(this.stepOf(shown));
  }

  // Every swarm ball's place at (fractional) frame t, gliding between frames.
  swarmAt(t) {
    const { x, y, z, balls, frames } = this.swarm;
    const i = Math.min(Math.floor(t), frames - 1);
    const j = Math.min(i + 1, frames - 1);
    const f = i === j ? 0 : t - i;
    const mix = (a) => {
      const out = new Array(balls);
      for (let k = 0; k < balls; k++) out[k] = a[i * balls + k] + (a[j * balls + k] - a[i * balls + k]) * f;
      return out;
    };
    return { x: mix(x), y: mix(y), z: mix(z) };
  }

  // The swarm on the map: dots on a canvas laid over the plot area (a restyle would redraw the contours).
  drawSwarmMap(at) {
    const gd = this.plots.map;
    const layout = gd._fullLayout;
    if (!layout || !layout.xaxis) return;
    // the plot area, as the axes place it (a square map is narrower than the margins allow)
    const size = { l: layout.xaxis._offset, t: layout.yaxis._offset, w: layout.xaxis._length, h: layout.yaxis._length };
    const ratio = window.devicePixelRatio || 1;
    const canvas = this.swarmCanvas;
    Object.assign(canvas.style, { left: `${size.l}px`, top: `${size.t}px`, width: `${size.w}px`, height: `${size.h}px` });
    if (canvas.width !== Math.round(size.w * ratio)) canvas.width = Math.round(size.w * ratio);
    if (canvas.height !== Math.round(size.h * ratio)) canvas.height = Math.round(size.h * ratio);
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size.w, size.h);
    context.lineWidth = 0.6;
    context.strokeStyle = "#222";
    for (let k = 0; k < at.x.length; k++) {
      const px = layout.xaxis.l2p(at.x[k]);
      const py = layout.yaxis.l2p(at.y[k]);
      context.beginPath();
      context.arc(px, py, 3.2, 0, 2 * Math.PI);
      context.fillStyle = this.swarm.colors[k];
      context.fill();
      context.stroke();
    }
  }

  // At most one redraw in flight: a slow frame is skipped, never queued up.
  async draw() {
    if (this.drawing) {
      this.pending = true;
      return;
    }
    this.drawing = true;
    const at = this.positionsAt(this.step);
    const shown = Math.floor(this.step);
    try {
      if (this.swarm) {
        const balls = this.swarmAt(this.step);
        if (!this.mountainBehind) this.moveMountainSwarm(balls);
        this.drawSwarmMap(balls);
        const step = this.stepOf(shown);
        await this.Plotly.relayout(this.plots.loss, { "shapes[0].x0": step, "shapes[0].x1": step });
        return;
      }
      // a mountain left behind by a drag waits untouched (each 3-D frame is read back in software)
      if (!this.mountainBehind) this.moveMountainBalls(at);
      const mapBalls = this.sumMarks(at, shown);
      this.balls.map.forEach((index, k) => {
        mapBalls[`shapes[${index}].xanchor`] = at[k].x;
        mapBalls[`shapes[${index}].yanchor`] = at[k].y;
      });
      // relayout of shapes redraws only the shapes (restyle would recompute the contours)
      await Promise.all([
        this.Plotly.relayout(this.plots.map, mapBalls),
        this.Plotly.relayout(this.plots.loss, { "shapes[0].x0": shown, "shapes[0].x1": shown }),
      ]);
    } finally {
      this.drawing = false;
    }
    if (this.pending) {
      this.pending = false;
      this.draw();
    }
  }

  // Measured in headless Chromium: Plotly.restyle of one ball redraws the whole 3-D scene
  // (about 55 ms a frame with the surface), while updating the balls' own WebGL objects
  // takes under 1 ms. Use that when plotly.js exposes it, else the public restyle.
  moveMountainBalls(at) {
    const moved = this.updateGlTraces(this.balls.mountain, (trace, k) => {
      Object.assign(trace, { x: [at[k].x], y: [at[k].y], z: [at[k].z] });
    });
    if (moved) return;
    this.Plotly.restyle(this.plots.mountain, {
      x: at.map((p) => [p.x]), y: at.map((p) => [p.y]), z: at.map((p) => [p.z]),
    }, this.balls.mountain);
  }

  // The mountain's own WebGL objects for these traces, changed in place by change(trace, k) and
  // redrawn; false where plotly.js does not expose them (the caller restyles instead).
  updateGlTraces(indices, change) {
    const gd = this.plots.mountain;
    const scene = glScene(gd);
    const traces = indices.map((index) => gd._fullData && gd._fullData[index]);
    const objects = scene && scene.traces ? traces.map((trace) => trace && scene.traces[trace.uid]) : [];
    if (objects.length !== indices.length || !objects.every((o) => o && typeof o.update === "function")) return false;
    traces.forEach((trace, k) => {
      change(trace, k);
      objects[k].update(trace);
    });
    scene.glplot.redraw();
    this.mountainStale = true;
    return true;
  }


  // The swarm on the mountain: the same fast path as the balls, for one trace of many points.
  moveMountainSwarm(at) {
    if (this.updateGlTraces([this.swarmTrace], (trace) => Object.assign(trace, at))) return;
    this.Plotly.restyle(this.plots.mountain, { x: [at.x], y: [at.y], z: [at.z] }, [this.swarmTrace]);
  }


  // After a fast animation, tell plotly.js where the balls are so its own state agrees.
  syncMountainBalls() {
    if (!this.mountainStale) return;
    this.mountainStale = false;
    if (this.swarm) {
      const at = this.swarmAt(this.step);
      this.Plotly.restyle(this.plots.mountain, { x: [at.x], y: [at.y], z: [at.z] }, [this.swarmTrace]);
      return;
    }
    const at = this.positionsAt(this.step);
    this.Plotly.restyle(this.plots.mountain, {
      x: at.map((p) => [p.x]), y: at.map((p) => [p.y]), z: at.map((p) => [p.z]),
    }, this.balls.mountain);
  }

  // The learning-rate preview: the scene offers its ladder (a key and the current rung).
  showLadder(info) {
    clearTimeout(this.commitTimer);
    clearTimeout(this.commitRetry);
    this.ladderInfo = info;
    this.previewing = false;
    this.followingPage = false;
    this.previewStarted = false;
    this.rateBar.hidden = !info;
    this.root.dataset.previewIndex = "";
    if (!info) return;
    this.rate.max = String(info.rates.length - 1);
    this.rate.value = String(info.index);
    this.pageRate = info.index;  // where the page's slider stands for this scene
    this.rateValue.textContent = `lr ${fmt(info.rates[info.index])}`;
  }

  // Ask the server for this scene's ladder once (it arrives as a kept part, see resolvePayload).
  wantLadder() {
    const info = this.ladderInfo;
    if (!info || KEPT.has(info.key) || !this.sendTrigger) return;
    // asked already and maybe still on its way (a big ladder on a busy server takes seconds)
    const lost = this.scenes - this.askedScenes >= 2 || performance.now() - this.askedAt > LADDER_LOST_MS;
    if (this.askedLadder === info.key && !lost) return;
    this.askedLadder = info.key;
    this.askedAt = performance.now();
    this.askedScenes = this.scenes;
    this.sendTrigger("missing", [info.key]);
  }

  // The ladder came (the same scene, with its ladder added): draw the rung the user is on.
  ladderArrived() {
    if (this.ladderInfo && this.previewing) this.previewRate(this.rateIndex);
  }

  previewRate(index) {
    const info = this.ladderInfo;
    if (!info || !Number.isInteger(index) || index < 0 || index >= info.rates.length) return;
    clearTimeout(this.commitTimer);
    this.rateIndex = index;
    this.previewing = true;
    this.describeRate(index, null);
    if (!this.ladder || this.ladder.key !== info.key) {
      if (!KEPT.has(info.key)) {
        this.status.textContent = "Fetching the paths for every learning rate…";
        this.wantLadder();
        return;
      }
      this.ladder = decodeLadder(info.key, KEPT.get(info.key));
    }
    if (this.ladder.runs.length !== this.paths.length || this.swarm) return;
    this.status.textContent = "";
    this.pause(false);
    if (this.previewDrawing) {
      this.previewPending = true;
      return;
    }
    this.drawPreview();
  }

  // At most one preview frame in flight; while one draws, only the newest rung waits.
  async drawPreview() {
    this.previewDrawing = true;
    let finished;
    this.previewDone = new Promise((resolve) => { finished = resolve; });
    try {
      do {
        this.previewPending = false;
        const index = this.rateIndex;
        await this.drawRung(index);
        // counted once the page has painted it
        await new Promise((resolve) => requestAnimationFrame(resolve));
        if (!this.root.isConnected || !this.previewing) return;
        // the benches and tests read which rung is on screen and when it got there
        this.root.dataset.previewIndex = String(index);
        this.root.dataset.previewFrames = String(Number(this.root.dataset.previewFrames || 0) + 1);
        this.root.dataset.previewDrawnAt = String(performance.now());
      } while (this.previewPending && this.previewing);
    } finally {
      this.previewDrawing = false;
      finished();
    }
  }

  // Every run's path, curve and |p.grad| at rung i, the balls at the ends of the paths. The map
  // and the charts are drawn on canvases laid over their plots (a Plotly restyle of either costs
  // tens of milliseconds a frame in software rendering); the mountain follows when the GPU is free.
  async drawRung(i) {
    const ladder = this.ladder;
    const rungs = ladder.runs.map((_, k) => rungOf(ladder, k, i));
    const axes = this.lossAxes(rungs);
    if (!this.previewStarted) await this.startPreview(axes);
    const drawnZ = this.heightOf(ladder.plain);
    this.paths = rungs.map((rung) => ({ x: rung.x, y: rung.y, z: rung.curve.map(drawnZ) }));
    this.lastStep = Math.max(0, ...this.paths.map((path) => path.x.length - 1));
    this.step = this.lastStep;
    this.scrubber.max = String(this.lastStep);
    this.scrubber.value = String(this.lastStep);
    this.stepLabel.textContent = `step ${this.lastStep} / ${this.lastStep}`;
    this.root.dataset.step = String(this.lastStep);
    this.renameDiverged(rungs);
    this.describeRate(i, rungs);
    if (Object.entries(axes).some(([key, range]) => !sameRange(this.lossRanges[key], range))) {
      this.lossRanges = axes;
      await this.Plotly.relayout(this.plots.loss, axes);
    }
    this.drawMapPreview(rungs);
    this.drawLossPreview(rungs);
    this.scheduleMountain();
  }

  drawMapPreview(rungs) {
    const gd = this.plots.map;
    const context = overlay(this.mapCanvas, gd);
    const layout = gd._fullLayout;
    rungs.forEach((rung, k) => {
      drawLine(context, layout, this.styles.map.get(this.traces.map[k]), rung.x, rung.y);
    });
    rungs.forEach((rung, k) => {
      const shape = this.styles.balls[k];
      const last = rung.x.length - 1;
      if (!shape || last < 0) return;
      const px = layout.xaxis._offset + layout.xaxis.c2p(rung.x[last]);
      const py = layout.yaxis._offset + layout.yaxis.c2p(rung.y[last]);
      context.globalAlpha = shape.opacity;
      context.beginPath();
      context.arc(px, py, shape.radius, 0, 2 * Math.PI);
      context.fillStyle = shape.fill;
      context.fill();
      context.lineWidth = shape.line.width;
      context.strokeStyle = shape.line.color;
      context.setLineDash([]);
      context.stroke();
    });
    context.globalAlpha = 1;
  }

  drawLossPreview(rungs) {
    const gd = this.plots.loss;
    const context = overlay(this.lossCanvas, gd);
    const layout = gd._fullLayout;
    const steps = (count) => Array.from({ length: count }, (_, j) => j);
    rungs.forEach((rung, k) => {
      const draw = (index, values) => {
        if (index !== undefined) drawLine(context, layout, this.styles.loss.get(index), steps(values.length), values);
      };
      draw(this.traces.loss[k], rung.curve);
      draw(this.traces.norm[k], rung.norm);
      draw(this.traces.lr[k], rung.lrs);
    });
  }

  // The mountain's paths and balls: at once where the GPU draws a frame quickly, else when the
  // hand rests (a software-rendered 3-D frame takes over 100 ms, and the page waits for it).
  scheduleMountain() {
    clearTimeout(this.mountainTimer);
    this.mountainTimer = setTimeout(() => this.drawMountainPreview(), this.slowMountain ? MOUNTAIN_REST_MS : 0);
  }

  async drawMountainPreview() {
    if (!this.previewing || !this.root.isConnected) return;
    const began = performance.now();
    this.moveMountainPaths(this.paths);
    this.moveMountainBalls(this.positionsAt(this.lastStep));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    this.slowMountain = performance.now() - began > SLOW_FRAME_MS;
    this.root.dataset.previewMountain = this.root.dataset.previewIndex || "";
  }

  // A path's drawn height from its chart value, as core.figures draws it (see rebuildHeights).
  heightOf(plain) {
    const height = this.height;
    const offset = plain ? 0 : height.min;
    const display = height.display === "log1p"
      ? (loss) => Math.log1p(Math.max(loss - height.min, 0) / height.scale)
      : (loss) => loss;
    return (value) => Math.min(display(value + offset), height.top) + height.lift;
  }

  // The map's and the charts' own runs step aside for the canvases, with what only the chosen
  // rate's scene can say (the p.grad chains, the off-chart marks, hover numbers): the rerun
  // brings them back. They turn transparent rather than invisible (a style change: hiding a
  // trace recomputes the map's contours, 75 ms before the first previewed frame), one update a
  // plot, the charts' axes set for the first rung in the same update.
  async startPreview(axes) {
    this.previewStarted = true;
    this.lossRanges = axes;
    const marks = {};
    (this.sumIndex || []).forEach((where) => {
      marks[`shapes[${where.line}].visible`] = false;
      marks[`shapes[${where.halo}].visible`] = false;
      [where.older, where.fresh, where.total].forEach((index) => { marks[`annotations[${index}].visible`] = false; });
    });
    this.balls.map.forEach((index) => { marks[`shapes[${index}].visible`] = false; });
    this.sums = null;
    this.sumsBox.hidden = true;
    const loss = this.plots.loss;
    // hidden traces lose their styles in plotly.js: the canvases keep them
    const styles = (gd, indices) => new Map(indices.filter((i) => i !== undefined).map((i) => [i, styleOf(gd._fullData[i])]));
    this.styles = {
      map: styles(this.plots.map, this.traces.map),
      loss: styles(loss, [...this.traces.loss, ...this.traces.norm, ...this.traces.lr]),
      balls: this.balls.map.map((index) => {
        const shape = this.plots.map._fullLayout.shapes[index];
        return { radius: Math.abs(shape.x1), fill: shape.fillcolor, opacity: shape.opacity, line: { ...shape.line } };
      }),
    };
    const lossRuns = [...this.traces.loss, ...this.traces.norm, ...this.traces.lr.filter((i) => i !== undefined),
      ...this.traces.cut];
    const hidden = { opacity: 0, hoverinfo: "skip" };
    await Promise.all([
      this.Plotly.update(this.plots.map, hidden, marks, this.traces.map),
      this.Plotly.update(loss, hidden, { annotations: [], ...axes }, lossRuns),
    ]);
    this.mapCanvas.hidden = false;
    this.lossCanvas.hidden = false;
  }

  // The loss chart's axes for these curves, by the server's rules where it has them
  // (core.figures.loss_figure): its own lines are hidden, so every range is explicit.
  lossAxes(rungs) {
    const axes = {};
    const smallest = (values) => values.reduce((low, v) => (Number.isFinite(v) && v < low ? v : low), Infinity);
    const largest = (values) => values.reduce((high, v) => (Number.isFinite(v) && v > high ? v : high), -Infinity);
    const curves = rungs.map((rung) => rung.curve).filter((curve) => curve.length);
    if (!curves.length) return axes;
    const low = Math.min(...curves.map(smallest));
    const peak = Math.max(...curves.map(largest));
    if (this.ladder.plain) {
      const high = Math.max(...curves.map((curve) => curve[0]));
      const top = high + 0.25 * Math.max(high - low, 1e-9);
      axes["yaxis.range"] = [low - 0.05 * (top - low), top];
    } else {
      const top = 1e3 * Math.max(...curves.map((curve) => curve[0]));
      const escaped = curves.some((curve) => curve.some((value) => !(value <= top)));
      axes["yaxis.range"] = [Math.log10(low / 3), escaped ? Math.log10(top) : Math.log10(peak) + 0.3];
    }
    const norms = rungs.map((rung) => rung.norm).filter((norm) => norm.length);
    if (norms.length) {
      const peaks = norms.map(largest);
      const top = logTop(peaks) || Math.max(...peaks) * 10 ** 0.3;
      axes["yaxis2.range"] = [Math.log10(Math.max(Math.min(...norms.map(smallest)) / 3, 1e-16)), Math.log10(top)];
    }
    if (this.traces.lr.some((index) => index !== undefined)) {
      axes["yaxis3.range"] = [0, 1.05 * Math.max(...rungs.map((rung) => largest(rung.lrs)).filter(Number.isFinite), 0)];
    }
    return axes;
  }

  // The paths on the mountain: the same fast path as the balls (a restyle redraws the terrain).
  moveMountainPaths(paths) {
    const gd = this.plots.mountain;
    const moved = this.updateGlTraces(this.traces.mountain, (trace, k) => {
      Object.assign(trace, paths[k], { _length: paths[k].x.length });
      // and plotly.js's own copy, so a later restyle (a ball put in place) draws these paths
      Object.assign(gd.data[this.traces.mountain[k]], paths[k]);
    });
    if (moved) return;
    this.Plotly.restyle(gd, { x: paths.map((p) => p.x), y: paths.map((p) => p.y), z: paths.map((p) => p.z) },
      this.traces.mountain);
  }


  // The mountain's legend names which runs diverged at the rate in use: while another rate is on
  // show it names the runs only (its box keeps the old width), and the rate bar says who diverges.
  renameDiverged(rungs) {
    const texts = [...this.plots.mountain.querySelectorAll(".legendtext")];
    rungs.forEach((rung, k) => {
      const old = this.names[k];
      const name = old.replace(/ · diverged at step \d+$/, "");
      if (name === old) return;
      texts.filter((text) => text.textContent === old).forEach((text) => { text.textContent = name; });
      this.plots.mountain.data[this.traces.mountain[k]].name = name;  // kept if plotly.js redraws its legend
      this.names[k] = name;
    });
  }

  // The rate on show, and which runs diverge there (the page's sentences are the server's, for the rate in use).
  describeRate(index, rungs) {
    const info = this.ladderInfo;
    const chosen = fmt(info.rates[index]);
    if (index === info.index && !rungs) {
      this.rateValue.textContent = `lr ${chosen}`;
      return;
    }
    const gone = (rungs || []).map((rung, k) => [rung, this.names[k]])
      .filter(([rung], k) => rung.divergedAt !== null && k < this.runCount)
      .map(([rung, name]) => `${name} diverges at step ${rung.divergedAt}`);
    const fate = gone.length ? ` · ${gone.join(", ")}` : "";
    const until = this.followingPage ? "the server answers" : "you let go";
    const note = index === info.index ? "" : ` · the text on the page is about lr ${fmt(info.rates[info.index])} until ${until}`;
    this.rateValue.textContent = `lr ${chosen} (shown)${fate}${note}`;
  }

  // The page's own learning-rate slider, named by the scene's ladder (its positions are the
  // ladder's rungs): the moment it moves (a key, a drag) the view draws that rate from the ladder,
  // while the server computes the scene, which replaces the preview when it comes. The ladder is
  // fetched when a hand comes near the slider or it takes the focus.
  listenForPageRate() {
    const slider = () => {
      const name = this.ladderInfo && this.ladderInfo.control;
      if (!name) return null;
      const found = [...document.querySelectorAll('input[type="range"]')]
        .filter((input) => input.getAttribute("aria-label") === name && !this.root.contains(input));
      return found.length === 1 ? found[0] : null;  // two such sliders: which one is meant is unclear
    };
    // cheap first: a pointer dragging the mountain sends an event every frame
    const onSlider = (event) => {
      const box = event.target instanceof Element && event.target.closest('[data-testid="stSlider"]');
      const input = box && slider();
      return Boolean(input && box.contains(input));
    };
    const near = (event) => {
      if (!this.root.isConnected) return stop();
      if (onSlider(event)) this.wantLadder();
    };
    // a hand on the slider (a key, a press, a drag): only then is a new position the user's
    const hand = (event) => {
      if (event.type === "pointermove" && !event.buttons) return;
      if (onSlider(event)) this.pageHandAt = performance.now();
    };
    const moved = new MutationObserver((changes) => {
      if (!this.root.isConnected) return stop();
      const input = slider();
      if (!input || !changes.some((change) => change.target === input)) return;
      const info = this.ladderInfo;
      const index = Number(input.value);
      if (!Number.isInteger(index) || index < 0 || index >= info.rates.length) return;
      // React writes the attribute again on every render: only a position the slider moved to counts
      if (index === this.pageRate) return;
      this.pageRate = index;
      // and only one the user's hand moved it to: a rerun re-renders the slider as well, at times
      // with a value it is about to leave
      if (!(performance.now() - this.pageHandAt < PAGE_HAND_MS)) return;
      if (index === info.index) {
        // back at the rate on show (a quick there-and-back, or a rerun's stale render undone)
        if (this.previewing) this.showScene();
        return;
      }
      clearTimeout(this.commitTimer);
      this.followingPage = true;
      this.rate.value = String(index);
      this.previewRate(index);
    });
    const stop = () => {
      moved.disconnect();
      ["pointerover", "focusin", "pointerdown"].forEach((name) => document.removeEventListener(name, near, true));
      ["keydown", "pointerdown", "pointermove"].forEach((name) => document.removeEventListener(name, hand, true));
    };
    ["pointerover", "focusin", "pointerdown"].forEach((name) => document.addEventListener(name, near, true));
    ["keydown", "pointerdown", "pointermove"].forEach((name) => document.addEventListener(name, hand, true));
    moved.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["aria-valuetext"] });
  }

  // Presenter mode (the page's switch or ?presenter=1): the plots' text bigger, and a lecture
  // hall's keys. Returns whether it changed.
  setPresenter(on) {
    const was = Boolean(this.presenter);
    this.presenter = Boolean(on);
    if (this.presenter) this.presenterParts();
    this.root.classList.toggle("lm-presenter", this.presenter);
    if (!this.presenter && this.keysHelp) this.keysHelp.hidden = true;
    return was !== this.presenter;
  }

  // The card of keys, its button and their style, once per view and page.
  presenterParts() {
    if (!document.getElementById("lm-presenter-style")) {
      const style = document.createElement("style");
      style.id = "lm-presenter-style";
      style.textContent = PRESENTER_CSS;
      document.head.appendChild(style);
    }
    if (this.keysHelp) return;
    this.root.insertAdjacentHTML("afterbegin", KEYS_HTML);
    this.keysHelp = this.root.querySelector(".lm-keys");
    this.root.querySelector(".lm-keys-button").addEventListener("click", () => this.presenterKey("?"));
    this.root.querySelector(".lm-keys-close").addEventListener("click", () => { this.keysHelp.hidden = true; });
  }

  // The keys work anywhere on the page but in a text field, and leave a focused page control its own.
  listenForKeys() {
    const onKey = (event) => {
      if (!this.root.isConnected) {
        document.removeEventListener("keydown", onKey);
        return;
      }
      if (!this.presenter || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      const target = event.target instanceof Element ? event.target : null;
      if (target && target.closest('textarea, select, [contenteditable="true"], input:not([type="range"]):not([type="checkbox"])')) return;
      const outside = target && !this.root.contains(target);
      // a page slider or tab keeps its arrows, a page button or switch its Space and Enter
      if (outside && target.closest('[role="slider"], [role="tab"], [role="radio"]')
          && ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(event.key)) return;
      if (outside && target.closest('button, [role="switch"], [role="slider"]') && [" ", "Enter"].includes(event.key)) return;
      if (this.presenterKey(event.key)) event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
  }

  // One key of presenter mode; false where it means nothing here.
  presenterKey(key) {
    if (key === "?") {
      this.keysHelp.hidden = !this.keysHelp.hidden;
      return true;
    }
    if (key === "Escape" && this.keysHelp && !this.keysHelp.hidden) {
      this.keysHelp.hidden = true;
      return true;
    }
    // a walk in the fog has no roll: its steps are the page's buttons
    const step = pageButton(/^Step ▶/);
    if (key === " ") {
      if (step) clickIfEnabled(step);
      else this.togglePlay();
      return true;
    }
    if (key === "ArrowLeft" || key === "ArrowRight") {
      if (step) {
        clickIfEnabled(key === "ArrowRight" ? step : pageButton(/Undo a step/));
        return true;
      }
      this.pause();
      this.showStep(Math.min(this.lastStep, Math.max(0, this.step + (key === "ArrowRight" ? 1 : -1))));
      return true;
    }
    if (["+", "=", "-", "_"].includes(key)) {
      // the page's learning-rate slider one rung, where the page has one (the server moves it)
      if (!this.payload || !this.payload.nudge || !this.sendTrigger) return false;
      this.sendTrigger("nudge", { direction: key === "+" || key === "=" ? 1 : -1, at: performance.now() });
      return true;
    }
    if (key === "f" || key === "F") {
      const lift = pageLabel(/^Lift the fog/);
      const input = lift && lift.querySelector("input");
      if (input) input.click();
      return Boolean(input);
    }
    return false;
  }

  // Keep the previewed rate: the slider on the page takes it (one rerun).
  commitRate() {
    const info = this.ladderInfo;
    if (!info || !this.previewing || this.followingPage) return;
    if (this.rateIndex !== info.index) {
      this.pickRate(info.rates[this.rateIndex]);
      const [asked, shown] = [this.rateIndex, this.drawnRevision];
      clearTimeout(this.commitRetry);
      this.commitRetry = setTimeout(() => {
        // still on the previewed rate, and no scene since: the ask was lost
        if (this.root.isConnected && this.previewing && this.rateIndex === asked && this.drawnRevision === shown) this.commitRate();
      }, COMMIT_RETRY_MS);
      return;
    }
    this.showScene();
  }

  // Back at the rate in use: the scene as the server drew it, with everything it says.
  showScene() {
    const payload = JSON.parse(this.sceneText);
    resolvePayload(payload);
    this.update(payload).catch((error) => { this.status.textContent = "The plots could not be drawn: " + error.message; });
  }

  play() {
    if (this.step >= this.lastStep) this.step = 0;
    this.playing = true;
    this.playButton.textContent = "⏸ Pause";
    this.root.dataset.playing = "true";
    let previous = performance.now();
    const tick = async (now) => {
      // a rerun that took the view off the page ends the roll
      if (!this.playing || !this.root.isConnected) return;
      // at 1× a whole run takes between 3 and 8 seconds, however many steps it has
      const seconds = Math.min(8, Math.max(3, this.lastStep / 40));
      const rate = (this.lastStep / seconds) * Number(this.speed.value);
      const next = this.step + (rate * (now - previous)) / 1000;
      previous = now;
      const began = performance.now();
      await this.showStep(Math.min(next, this.lastStep));
      if (!this.root.isConnected) return;
      if (this.step >= this.lastStep) {
        this.pause();
        return;
      }
      // a software-drawn frame can take tens of milliseconds: leave the page as long again to
      // itself, so a key press or a new scene is never stuck behind the rolling balls
      setTimeout(() => requestAnimationFrame(tick), performance.now() - began);
    };
    requestAnimationFrame(tick);
  }

  // sync: tell plotly.js where the balls are (a restyle: a whole 3-D redraw)
  pause(sync = true) {
    this.playing = false;
    if (sync) this.syncMountainBalls();
    this.playButton.textContent = this.step >= this.lastStep ? "↺ Replay" : "▶ Play";
    this.root.dataset.playing = "false";
  }

  togglePlay() {
    if (this.playing) this.pause(); else this.play();
  }

  // A key or a press on a control outside the view (the sliders above it, the sidebar) is about
  // to ask for a new scene: the roll stops at once, so software-drawn frames do not stand between
  // that control and the new scene (key press to new frame: 460 ms during a roll, 250 ms without).
  listenForOtherControls() {
    const wait = (event) => {
      if (!this.root.isConnected) {
        document.removeEventListener("keydown", wait, true);
        document.removeEventListener("pointerdown", wait, true);
        return;
      }
      const target = event.target;
      if (!this.playing || this.root.contains(target) || !target.closest || !target.closest(CONTROLS)) return;
      this.pause(false);
      clearTimeout(this.resumeTimer);
      const shown = this.drawnRevision;
      this.resumeTimer = setTimeout(() => {
        if (this.drawnRevision === shown && this.root.isConnected && !this.playing && this.step < this.lastStep) this.play();
      }, RESUME_MS);
    };
    document.addEventListener("keydown", wait, true);
    document.addEventListener("pointerdown", wait, true);
  }

  // Clicks on the map (anywhere) or on the mountain's surface move the start point.
  listenForClicks() {
    if (this.listening) return;
    this.listening = true;
    this.plots.map.on("plotly_click", (event) => {
      const point = this.mapPoint(this.plots.map, event);
      if (point) this.moveStart(point);
    });
    // the swarm's canvas follows the map when it is zoomed, panned or resized
    this.plots.map.on("plotly_afterplot", () => {
      if (this.swarm) this.drawSwarmMap(this.swarmAt(this.step));
    });

    // plotly.js reports a 3-D "click" while the button is down, so turning the mountain
    // starts with one too: keep the picked point and use it only if the press stayed put
    let pressed = null;
    let picked = null;
    const mountain = this.plots.mountain;
    mountain.addEventListener("pointerdown", (e) => {
      pressed = { x: e.clientX, y: e.clientY };
      picked = null;
    }, true);
    mountain.addEventListener("pointerup", (e) => {
      const still = pressed && Math.hypot(e.clientX - pressed.x, e.clientY - pressed.y) < 5;
      if (still && picked) this.moveStart(picked);
      pressed = picked = null;
    }, true);
    mountain.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      if (pressed && point && point.data && point.data.type === "surface") picked = { x: point.x, y: point.y };
    });
  }

  // Drag the start marker on the map: while the button is down the newest position goes to the
  // server whenever the last one has been answered (a path per round trip), and the marker
  // follows the pointer at once. A press elsewhere zooms, pans or clicks as before.
  listenForStartDrags() {
    const map = this.plots.map;
    const marker = this.root.querySelector(".lm-start-drag");
    const near = (event) => {
      const layout = map._fullLayout;
      const start = this.startPoint();
      if (!this.clickable || !layout || !layout.xaxis || !start) return false;
      const box = map.getBoundingClientRect();
      const px = box.left + layout.xaxis._offset + layout.xaxis.c2p(start.x);
      const py = box.top + layout.yaxis._offset + layout.yaxis.c2p(start.y);
      return Math.hypot(event.clientX - px, event.clientY - py) <= START_GRAB_PX;
    };
    const at = (event) => {
      const layout = map._fullLayout;
      const box = map.getBoundingClientRect();
      const clamp = (value, range) => Math.min(Math.max(value, Math.min(...range)), Math.max(...range));
      // to the start sliders' step, as the server keeps it
      const round = (value) => Math.round(value * 100) / 100;
      return {
        x: round(clamp(layout.xaxis.p2c(event.clientX - box.left - layout.xaxis._offset), layout.xaxis.range)),
        y: round(clamp(layout.yaxis.p2c(event.clientY - box.top - layout.yaxis._offset), layout.yaxis.range)),
        px: event.clientX - map.parentElement.getBoundingClientRect().left,
        py: event.clientY - map.parentElement.getBoundingClientRect().top,
      };
    };
    map.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || !near(event)) return;
      event.stopPropagation();
      event.preventDefault();
      this.startDrag = { point: null, sent: null, sentPoint: null, moved: false };
      this.pause(false);
      this.root.dataset.dragging = "true";
      const move = (e) => {
        const point = at(e);
        this.startDrag.point = point;
        this.startDrag.moved = true;
        // a transform moves the marker in its own layer: the map under it is not repainted
        marker.style.transform = `translate(${point.px}px, ${point.py}px)`;
        marker.hidden = false;
        this.catchUpWhenResting();
        this.sendDraggedStart();
      };
      const up = (e) => {
        window.removeEventListener("pointermove", move, true);
        window.removeEventListener("pointerup", up, true);
        window.removeEventListener("pointercancel", up, true);
        if (this.startDrag.moved) move(e);
        this.startDrag.released = true;
        this.root.dataset.dragging = "false";
        this.sendDraggedStart();
      };
      window.addEventListener("pointermove", move, true);
      window.addEventListener("pointerup", up, true);
      // a touch the browser takes over (a scroll) ends the drag where it was
      window.addEventListener("pointercancel", up, true);
    }, true);
    // plotly.js starts its zoom box on mousedown: not while the start is held
    map.addEventListener("mousedown", (event) => {
      if (this.startDrag && !this.startDrag.released) event.stopPropagation();
    }, true);
  }

  // The start the map shows now.
  startPoint() {
    const trace = (this.plots.map.data || []).find((t) => t.name === "start");
    return trace ? { x: trace.x[0], y: trace.y[0] } : null;
  }

  // One position in flight at a time; the newest waits for the answer to the last. inUpdate: called
  // as a scene arrives, which then draws itself (and rolls the balls if the drag is over).
  sendDraggedStart(inUpdate = false) {
    const drag = this.startDrag;
    if (!drag || drag.sent || !drag.point || !this.sendTrigger) {
      if (drag && drag.released && !drag.sent) this.endStartDrag(inUpdate);
      return;
    }
    const { x, y } = drag.point;
    const shown = this.startPoint();
    const same = (p) => p && p.x === x && p.y === y;
    if (same(drag.sentPoint) || same(shown)) {
      if (drag.released) this.endStartDrag(inUpdate);
      return;
    }
    drag.sent = performance.now();
    drag.sentPoint = { x, y };
    this.status.textContent = `Start (${x.toFixed(2)}, ${y.toFixed(2)})`;
    this.sendTrigger("start", { x, y });
    // a rerun that never answers (the server dropped it for a newer one) must not stall the drag
    clearTimeout(this.dragTimer);
    this.dragTimer = setTimeout(() => {
      if (this.startDrag === drag && drag.sent) {
        // unanswered, so not shown: the point may go out again (a rerun swallowed its trigger)
        drag.sent = null;
        drag.sentPoint = null;
        this.sendDraggedStart();
      }
    }, DRAG_ANSWER_MS);
  }

  async endStartDrag(inUpdate) {
    this.startDrag = null;
    this.root.querySelector(".lm-start-drag").hidden = true;
    this.status.textContent = "";
    if (inUpdate) return;
    // the last answer is on screen: the mountain catches up, then the balls roll from the new start
    await this.catchUpMountain();
    // as any new scene: rolled from its start (unless the reader asks for less motion), or, step
    // by step, kept at the step on show
    const still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (this.payload && this.payload.autoplay && !still && this.lastStep > 0) this.play();
  }

  // The mountain a drag left behind waits until the hand has rested MOUNTAIN_REST_MS: each 3-D
  // frame costs a read-back of the whole canvas in software rendering, which would halve the drag.
  catchUpWhenResting() {
    clearTimeout(this.mountainCatchUp);
    if (this.mountainBehind) this.mountainCatchUp = setTimeout(() => this.catchUpMountain(), MOUNTAIN_REST_MS);
  }

  // The mountain a drag left behind, drawn now.
  async catchUpMountain() {
    clearTimeout(this.mountainCatchUp);
    const behind = this.mountainBehind;
    if (!behind) return;
    this.mountainBehind = null;
    await this.Plotly.react(this.plots.mountain, behind.data, behind.layout, PLOT_CONFIG);
    if (!this.playing) this.moveMountainBalls(this.positionsAt(this.step));
  }

  // The chart above the views: a click picks a learning rate (sweep) or a start (basins).
  listenToFeature() {
    if (this.featureListening) return;
    this.featureListening = true;
    this.plots.feature.on("plotly_click", (event) => {
      if (this.featureClick === "lr") {
        const point = (event.points || []).find((p) => typeof p.x === "number" && p.x > 0);
        if (point) this.pickRate(point.x);
      } else if (this.featureClick === "start") {
        const point = this.mapPoint(this.plots.feature, event);
        if (point) this.moveStart(point);
      }
    });
  }

  mapPoint(plot, event) {
    const layout = plot._fullLayout;
    const area = plot.querySelector(".nsewdrag");
    if (layout && area && event.event) {
      const box = area.getBoundingClientRect();
      return {
        x: layout.xaxis.p2d(event.event.clientX - box.left),
        y: layout.yaxis.p2d(event.event.clientY - box.top),
      };
    }
    const point = event.points && event.points[0];
    return point ? { x: point.x, y: point.y } : null;
  }

  pickRate(lr) {
    if (!Number.isFinite(lr) || !this.sendTrigger) return;
    this.status.textContent = `Using learning rate ${lr.toPrecision(3)}…`;
    this.sendTrigger("lr", { lr });
  }

  moveStart(point) {
    if (!this.clickable) return;
    if (!Number.isFinite(point.x) || !Number.isFinite(point.y) || !this.sendTrigger) return;
    this.status.textContent = `Moving the start to (${point.x.toFixed(2)}, ${point.y.toFixed(2)})…`;
    this.sendTrigger("start", { x: point.x, y: point.y });
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".lm-root");
  if (!root) return;
  root.view = root.view || new MountainView(root);
  root.view.sendTrigger = setTriggerValue;
  root.view.scenes = (root.view.scenes || 0) + 1;  // every rerun's message, to tell when an ask was lost
  // the server sends the payload as UTF-8 bytes of JSON
  const text = typeof data === "string" ? data : new TextDecoder().decode(data);
  const payload = text ? JSON.parse(text) : null;
  if (!payload) return;
  // presenter mode travels with every scene: switched, the scene on show is drawn again at its size
  const switched = root.view.setPresenter(payload.presenter);
  const missing = resolvePayload(payload);
  if (missing.length) {
    // this page lost a part the server sent before (a reload of the view): ask for it again
    root.view.status.textContent = "Fetching the mountain…";
    setTriggerValue("missing", missing);
    return;
  }
  if (payload.revision === root.view.drawnRevision) {
    // the scene on show, sent again with a part it asked for (its ladder): no redraw
    if (switched) root.view.showScene();
    else root.view.ladderArrived();
    return;
  }
  root.view.status.textContent = "";
  root.view.sceneText = text;
  root.view.update(payload).catch((error) => {
    root.view.status.textContent = "The plots could not be drawn: " + error.message;
  });
}
