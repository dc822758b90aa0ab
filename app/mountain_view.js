// The explorer's three linked Plotly views (3-D mountain, map, loss per step) with rolling balls.
// Streamlit calls this function again with new data on every rerun; the view object lives on the
// persistent root element, so Plotly.react updates the plots in place and the user's camera stays.

const PLOTLY_SRC = "app/static/plotly.min.js";
const PLOT_CONFIG = { responsive: true, displaylogo: false, scrollZoom: false };
const TYPED = {
  f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array,
};

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
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

function tracesByRole(figure, role) {
  const found = [];
  figure.data.forEach((trace, index) => {
    if (trace.meta && trace.meta.role === role) found[trace.meta.run] = index;
  });
  return found;
}

function shapesNamed(figure, prefix) {
  const found = [];
  (figure.layout.shapes || []).forEach((shape, index) => {
    if (shape.name && shape.name.startsWith(prefix)) found[Number(shape.name.slice(prefix.length))] = index;
  });
  return found;
}

class MountainView {
  constructor(root) {
    this.root = root;
    this.plots = {
      mountain: root.querySelector(".lm-mountain"),
      map: root.querySelector(".lm-map"),
      loss: root.querySelector(".lm-loss"),
    };
    this.playButton = root.querySelector(".lm-play");
    this.scrubber = root.querySelector(".lm-scrub");
    this.stepLabel = root.querySelector(".lm-step");
    this.speed = root.querySelector(".lm-speed");
    this.status = root.querySelector(".lm-status");
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
  }

  async update(payload) {
    const Plotly = await loadPlotly();
    this.payload = payload;
    const { mountain, map, loss } = payload.figures;
    this.balls = { mountain: tracesByRole(mountain, "ball"), map: shapesNamed(map, "ball:") };
    // each run's path, decoded once: x, y and the drawn height z on the mountain
    this.paths = tracesByRole(mountain, "path").map((index) => {
      const trace = mountain.data[index];
      return { x: numbers(trace.x), y: numbers(trace.y), z: numbers(trace.z) };
    });
    this.lastStep = Math.max(0, ...this.paths.map((path) => path.x.length - 1));
    this.scrubber.max = String(this.lastStep);
    const focus = Number.isInteger(payload.step) ? payload.step : null;
    this.placeBalls(mountain, map, focus === null ? 0 : focus, focus);
    await Promise.all([
      Plotly.react(this.plots.mountain, mountain.data, mountain.layout, PLOT_CONFIG),
      Plotly.react(this.plots.map, map.data, map.layout, PLOT_CONFIG),
      Plotly.react(this.plots.loss, loss.data, loss.layout, PLOT_CONFIG),
    ]);
    this.listenForClicks();
    // a page may say what its plots are for (the network page has no start to click)
    const captions = payload.captions || {};
    this.root.querySelectorAll(".lm-caption").forEach((caption, i) => {
      if (!caption.dataset.original) caption.dataset.original = caption.textContent;
      caption.textContent = [captions.mountain, captions.map][i] || caption.dataset.original;
    });
    this.clickable = payload.clickable !== false;
    this.root.dataset.revision = payload.revision;
    // step-by-step mode names the step to show; otherwise the balls roll from the start
    this.pause();
    this.showStep(focus === null ? 0 : focus);
    if (payload.autoplay && this.lastStep > 0) this.play(); else this.pause();
  }

  // Put the balls where the animation starts before the first draw, so nothing flashes.
  // The figure draws each ball a little above its path: keep that lift while it rolls.
  placeBalls(mountain, map, step, focus) {
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

  showStep(t) {
    this.step = Math.max(0, Math.min(t, this.lastStep));
    const shown = Math.floor(this.step);
    this.scrubber.value = String(shown);
    this.stepLabel.textContent = `step ${shown} / ${this.lastStep}`;
    this.root.dataset.step = String(shown);
    this.draw();
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
      this.moveMountainBalls(at);
      const mapBalls = {};
      this.balls.map.forEach((index, k) => {
        mapBalls[`shapes[${index}].xanchor`] = at[k].x;
        mapBalls[`shapes[${index}].yanchor`] = at[k].y;
      });
      // relayout of shapes redraws only the shapes (restyle would recompute the contours)
      await Promise.all([
        window.Plotly.relayout(this.plots.map, mapBalls),
        window.Plotly.relayout(this.plots.loss, { "shapes[0].x0": shown, "shapes[0].x1": shown }),
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
    const gd = this.plots.mountain;
    const scene = gd._fullLayout && gd._fullLayout.scene && gd._fullLayout.scene._scene;
    const balls = this.balls.mountain.map((index) => gd._fullData && gd._fullData[index]);
    const objects = scene && scene.traces ? balls.map((trace) => trace && scene.traces[trace.uid]) : [];
    if (objects.length === at.length && objects.every((o) => o && typeof o.update === "function")) {
      balls.forEach((trace, k) => {
        Object.assign(trace, { x: [at[k].x], y: [at[k].y], z: [at[k].z] });
        objects[k].update(trace);
      });
      scene.glplot.redraw();
      this.mountainStale = true;
      return;
    }
    window.Plotly.restyle(gd, {
      x: at.map((p) => [p.x]), y: at.map((p) => [p.y]), z: at.map((p) => [p.z]),
    }, this.balls.mountain);
  }

  // After a fast animation, tell plotly.js where the balls are so its own state agrees.
  syncMountainBalls() {
    if (!this.mountainStale) return;
    this.mountainStale = false;
    const at = this.positionsAt(this.step);
    window.Plotly.restyle(this.plots.mountain, {
      x: at.map((p) => [p.x]), y: at.map((p) => [p.y]), z: at.map((p) => [p.z]),
    }, this.balls.mountain);
  }

  play() {
    if (this.step >= this.lastStep) this.step = 0;
    this.playing = true;
    this.playButton.textContent = "⏸ Pause";
    this.root.dataset.playing = "true";
    let previous = performance.now();
    const tick = (now) => {
      if (!this.playing) return;
      // at 1× a whole run takes between 3 and 8 seconds, however many steps it has
      const seconds = Math.min(8, Math.max(3, this.lastStep / 40));
      const rate = (this.lastStep / seconds) * Number(this.speed.value);
      const next = this.step + (rate * (now - previous)) / 1000;
      previous = now;
      this.showStep(Math.min(next, this.lastStep));
      if (this.step >= this.lastStep) this.pause();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    this.syncMountainBalls();
    this.playButton.textContent = this.step >= this.lastStep ? "↺ Replay" : "▶ Play";
    this.root.dataset.playing = "false";
  }

  togglePlay() {
    if (this.playing) this.pause(); else this.play();
  }

  // Clicks on the map (anywhere) or on the mountain's surface move the start point.
  listenForClicks() {
    if (this.listening) return;
    this.listening = true;
    this.plots.map.on("plotly_click", (event) => {
      const point = this.mapPoint(event);
      if (point) this.moveStart(point);
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

  mapPoint(event) {
    const layout = this.plots.map._fullLayout;
    const area = this.plots.map.querySelector(".nsewdrag");
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
  const payload = typeof data === "string" ? JSON.parse(data) : data;
  if (!payload) return;
  root.view.status.textContent = "";
  root.view.update(payload).catch((error) => {
    root.view.status.textContent = "The plots could not be drawn: " + error.message;
  });
}
