// The page: a sample grid, latent sliders, a 2-D pad (latent_dim == 2), an
// interpolation strip, and the API `window.kerasVae` for scripts and tests:
//   await kerasVae.ready
//   await kerasVae.decode(z, labels)           -> [Float32Array, ...]
//   await kerasVae.sample(n, seed, {latent, labels})
// The export is read from ./export/ (manifest.json and the files it lists).
// ?runtime=ort (onnxruntime-web, the default) or ?runtime=litert (LiteRT.js)
// picks the runtime; the page's runtime menu sets it. ?threads=N asks
// onnxruntime-web for N wasm threads (needs a cross-origin isolated page, as
// `keras-vae serve` provides).

import { DEFAULT_RUNTIME, Decoder, RUNTIMES } from "./kerasvae.js";
import { drawGrid, drawImage } from "./drawing.js";

const GRID_COUNT = 64;
const GRID_COLUMNS = 8;
const STRIP_FRAMES = 10;
const SLIDER_RANGE = 3;
const $ = (id) => document.getElementById(id);

function requestedThreads() {
  const asked = Number.parseInt(params.get("threads") ?? "1", 10);
  if (!Number.isInteger(asked) || asked < 1) return 1;
  return globalThis.crossOriginIsolated
    ? Math.min(asked, navigator.hardwareConcurrency || 1)
    : 1;
}

const params = new URLSearchParams(location.search);
const runtime = params.get("runtime") ?? DEFAULT_RUNTIME;
const threads = runtime === "ort" ? requestedThreads() : 1;
const api = { runtime, threads, firstImageMs: null };
api.ready = Decoder.load("export/", { threads, runtime }).then((decoder) => {
  api.decoder = decoder;
  api.manifest = decoder.manifest;
  return decoder;
});
api.decode = async (z, labels) => (await api.ready).decode(z, labels);
api.sample = async (n, seed, options) =>
  (await api.ready).sample(n, seed, options);
api.latents = async (n, seed, options) =>
  (await api.ready).latents(n, seed, options);
window.kerasVae = api;

// The runtime menu: choosing one reloads the page with ?runtime=.
for (const [name, { label }] of Object.entries(RUNTIMES)) {
  $("runtime").add(new Option(label, name, false, name === runtime));
}
$("runtime").addEventListener("change", () => {
  params.set("runtime", $("runtime").value);
  location.search = params.toString();
});
$("runtime-name").textContent = RUNTIMES[runtime]?.label ?? runtime;

// Re-runs `render` after the current call when asked again meanwhile, so that
// dragging a slider never queues more than one decode.
function coalesced(render) {
  let running = false;
  let again = false;
  const schedule = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await render();
      } while (again);
    } catch (error) {
      showError(error);
    } finally {
      running = false;
    }
  };
  return schedule;
}

function showError(error) {
  $("status").dataset.state = "error";
  $("status").textContent = String(error?.message ?? error);
  console.error(error);
}

// The model's name and what it offers: usable runtimes, the mixture, classes.
function showModel(page) {
  const { decoder, model } = page;
  const usable = Decoder.runtimesFor(decoder.manifest);
  for (const option of $("runtime").options)
    option.disabled = !usable.includes(option.value);
  $("model-name").textContent =
    `${model.name ?? ""} · latent_dim ${decoder.latentDim} · ${model.likelihood ?? ""}`;
  if (decoder.latentSamplers.length > 1) {
    $("sampler").add(
      new Option("Gaussian mixture (aggregate posterior)", "gmm", true, true),
    );
    $("sampler-control").hidden = false;
  }
  if (page.conditional) {
    decoder.classNames.forEach((name, c) =>
      $("label").add(new Option(name, String(c))),
    );
    $("label-control").hidden = false;
  }
}

// The class chosen in the label menu, or null for "every class".
function pickedLabel() {
  return $("label").value === "" ? null : Number($("label").value);
}

// The class the large image and the strip are drawn for (conditional models).
function labelFor(page) {
  return page.conditional
    ? (pickedLabel() ?? page.state.currentLabel)
    : undefined;
}

async function drawLarge(page) {
  const { decoder, model, state } = page;
  const [image] = await decoder.decode(
    [state.current],
    page.conditional ? [labelFor(page)] : undefined,
  );
  const canvas = $("large");
  drawImage(
    canvas.getContext("2d"),
    image,
    model,
    0,
    0,
    canvas.width,
    canvas.height,
  );
  drawPad(page);
}

// The interpolation strip: STRIP_FRAMES steps from z = a to z = b.
async function drawStrip(page) {
  const { decoder, model, state } = page;
  const frames = Array.from({ length: STRIP_FRAMES }, (_, i) => {
    const t = i / (STRIP_FRAMES - 1);
    return state.a.map((value, d) => (1 - t) * value + t * state.b[d]);
  });
  const images = await decoder.decode(
    frames,
    page.conditional ? Array(STRIP_FRAMES).fill(labelFor(page)) : undefined,
  );
  const canvas = $("strip");
  drawGrid(canvas, images, model, STRIP_FRAMES, canvas.width / STRIP_FRAMES);
}

// Sliders: all latent dimensions up to 16, else the first 8. Returns the
// [slider, value] pairs.
function addSliders(page) {
  const { decoder, state } = page;
  const shown = decoder.latentDim <= 16 ? decoder.latentDim : 8;
  const sliders = [];
  for (let d = 0; d < shown; d += 1) {
    const label = document.createElement("label");
    label.textContent = `z${d + 1}`;
    label.htmlFor = `z${d}`;
    const slider = Object.assign(document.createElement("input"), {
      type: "range",
      id: `z${d}`,
      min: -SLIDER_RANGE,
      max: SLIDER_RANGE,
      step: 0.01,
      value: 0,
    });
    const value = document.createElement("output");
    slider.addEventListener("input", () => {
      state.current[d] = Number(slider.value);
      value.textContent = Number(slider.value).toFixed(2);
      page.renderLarge();
    });
    $("sliders").append(label, slider, value);
    sliders.push([slider, value]);
  }
  return sliders;
}

// Shows `z` (and `label`, when given) in the large image and the sliders.
function setCurrent(page, z, label) {
  const { state } = page;
  state.current = Array.from(z);
  if (label !== undefined && label !== null) state.currentLabel = label;
  page.sliders.forEach(([slider, value], d) => {
    slider.value = state.current[d];
    value.textContent = state.current[d].toFixed(2);
  });
  page.renderLarge();
}

// The 2-D pad: z = (x, y) in [-3, 3]^2, for latent_dim == 2.
function drawPad(page) {
  if (page.decoder.latentDim !== 2) return;
  const pad = $("pad");
  const { current } = page.state;
  const context = pad.getContext("2d");
  const toPixel = (v, size) => ((v + SLIDER_RANGE) / (2 * SLIDER_RANGE)) * size;
  context.clearRect(0, 0, pad.width, pad.height);
  context.strokeStyle = "#ccc";
  context.beginPath();
  context.moveTo(pad.width / 2, 0);
  context.lineTo(pad.width / 2, pad.height);
  context.moveTo(0, pad.height / 2);
  context.lineTo(pad.width, pad.height / 2);
  context.stroke();
  context.fillStyle = "#d33";
  context.beginPath();
  context.arc(
    toPixel(current[0], pad.width),
    pad.height - toPixel(current[1], pad.height),
    5,
    0,
    2 * Math.PI,
  );
  context.fill();
}

// Shows the pad for latent_dim == 2 and lets the pointer pick z on it.
function addPad(page) {
  if (page.decoder.latentDim !== 2) return;
  const pad = $("pad");
  pad.hidden = false;
  const fromPointer = (event) => {
    const box = pad.getBoundingClientRect();
    const x =
      ((event.clientX - box.left) / box.width) * 2 * SLIDER_RANGE -
      SLIDER_RANGE;
    const y =
      SLIDER_RANGE -
      ((event.clientY - box.top) / box.height) * 2 * SLIDER_RANGE;
    setCurrent(page, [x, y]);
  };
  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    fromPointer(event);
  });
  pad.addEventListener("pointermove", (event) => {
    if (event.buttons) fromPointer(event);
  });
}

// The grid of GRID_COUNT samples for the seed, sampler and label chosen. The
// first one drawn also sets the large image and the strip's ends.
async function drawSampleGrid(page) {
  const { decoder, model, state } = page;
  const seed = Number.parseInt($("seed").value, 10);
  const picked = pickedLabel();
  const labels = page.conditional
    ? Array.from(
        { length: GRID_COUNT },
        (_, i) => picked ?? i % decoder.numClasses,
      )
    : undefined;
  const drawn = await decoder.draw(
    GRID_COUNT,
    Number.isInteger(seed) ? seed : 0,
    { latent: $("sampler").value, labels },
  );
  const [images, z] = [drawn.images, drawn.latents];
  drawGrid(
    $("grid"),
    images,
    model,
    GRID_COLUMNS,
    $("grid").width / GRID_COLUMNS,
  );
  state.grid = z;
  state.gridLabels = labels;
  if (api.firstImageMs === null) {
    api.firstImageMs = performance.now();
    performance.mark("keras-vae-first-image");
    state.a = Array.from(z[0]);
    state.b = Array.from(z[1]);
    setCurrent(page, z[0], labels?.[0]);
    page.renderStrip();
  }
}

// A click on the grid shows that sample in the large image.
function pickGridCell(page, event) {
  const { state } = page;
  const box = $("grid").getBoundingClientRect();
  const cell = box.width / GRID_COLUMNS;
  const i =
    Math.floor((event.clientY - box.top) / cell) * GRID_COLUMNS +
    Math.floor((event.clientX - box.left) / cell);
  if (state.grid[i]) setCurrent(page, state.grid[i], state.gridLabels?.[i]);
}

function listenToControls(page) {
  const { state } = page;
  $("grid").addEventListener("click", (event) => pickGridCell(page, event));
  $("new-samples").addEventListener("click", () => {
    $("seed").value = String((Number.parseInt($("seed").value, 10) || 0) + 1);
    page.renderGrid();
  });
  $("seed").addEventListener("change", page.renderGrid);
  $("sampler").addEventListener("change", page.renderGrid);
  $("label").addEventListener("change", () => {
    page.renderGrid();
    page.renderLarge();
    page.renderStrip();
  });
  $("set-a").addEventListener("click", () => {
    state.a = [...state.current];
    page.renderStrip();
  });
  $("set-b").addEventListener("click", () => {
    state.b = [...state.current];
    page.renderStrip();
  });
}

function showReady() {
  if (api.firstImageMs === null) return;
  const isolated = globalThis.crossOriginIsolated
    ? "cross-origin isolated"
    : "not isolated";
  $("status").dataset.state = "ready";
  $("status").textContent =
    `Ready: first image after ${Math.round(api.firstImageMs)} ms · ${RUNTIMES[runtime].label}, ${threads} thread(s), ${isolated}`;
}

function start(decoder) {
  const page = {
    decoder,
    model: decoder.model,
    conditional: decoder.numClasses !== null,
    state: {
      grid: [],
      gridLabels: null,
      current: null,
      currentLabel: 0,
      a: null,
      b: null,
    },
  };
  showModel(page);
  // What the large image shows, for scripts and tests.
  api.current = () => ({
    z: [...page.state.current],
    label: page.conditional ? labelFor(page) : null,
  });
  page.renderLarge = coalesced(() => drawLarge(page));
  page.renderStrip = coalesced(() => drawStrip(page));
  page.renderGrid = coalesced(() => drawSampleGrid(page));
  page.sliders = addSliders(page);
  addPad(page);
  listenToControls(page);
  page.renderGrid().then(showReady);
}

api.ready.then(start, showError);
