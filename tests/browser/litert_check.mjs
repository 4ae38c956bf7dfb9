// Runs a .tflite model with LiteRT.js (@litertjs/core) in headless Chromium
// (Debian's, via playwright-core) and reports its outputs, as one JSON line on
// stdout, for tests/litert_js.py.
//
//   node tests/browser/litert_check.mjs '{"url": "http://127.0.0.1:PORT/",
//       "litert_path": "litertjs/", "model": "model.tflite",
//       "accelerator": "wasm", "feeds": {"z": {"dtype": "float32",
//       "shape": [2, 4], "data": [...]}}}'
//
// `url` is a loopback server that serves both the model and, under
// `litert_path`, LiteRT.js laid out as npm installs it (node_modules/@litertjs):
// core/dist/index.js, core/wasm/litert_wasm_*.{js,wasm} and
// wasm-utils/dist/index.js (core's one import, resolved with an import map).
// The page itself is made up here and answered by Playwright, on the server's
// origin, so that the server needs no HTML of its own.
//
// Optional spec keys: "runs" (model runs, default 1: every run is timed, the
// outputs are the first run's), "timeout_ms" (the whole check, default
// 120000), "chromium_args" (extra Chromium flags) and "webgpu_args" (the flags
// that replace WEBGPU_ARGS for "accelerator": "webgpu").
//
// Prints {"ok": true, "inputs": [{name, dtype, shape}] (the model's order),
// "output_details": [...], "outputs": {name: {dtype, shape, data}},
// "accelerator" (what the model was compiled for: on a browser without JSPI,
// LiteRT.js recompiles for wasm a model WebGPU cannot run whole),
// "fully_accelerated" (false: some ops run on wasm), "webgpu_adapter",
// "ms_load", "ms_compile", "ms_runs" (each run through reading its outputs
// back), "ms_run" (the first), "console", "requests"} or {"ok": false,
// "error": "...", "stage": "...", ...}. It exits 0 either way,
// 1 only when it cannot even report.

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS } from "./page_check.mjs";

const PAGE = "__litert_check__.html";

// WebGPU needs --enable-unsafe-webgpu on Linux; without --disable-gpu it may
// use a real GPU, and with none Chromium still offers SwiftShader (Vulkan on
// the CPU): adapter {vendor: "google", architecture: "swiftshader"}.
const WEBGPU_ARGS = ["--enable-unsafe-webgpu"];

function chromiumArgs(spec) {
  const base =
    spec.accelerator === "webgpu"
      ? [
          ...CHROMIUM_ARGS.filter((arg) => arg !== "--disable-gpu"),
          ...(spec.webgpu_args ?? WEBGPU_ARGS),
        ]
      : CHROMIUM_ARGS;
  return [...base, ...(spec.chromium_args ?? [])];
}

function pageHtml(wasmUtilsUrl) {
  const importMap = JSON.stringify({
    imports: { "@litertjs/wasm-utils": wasmUtilsUrl },
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>litert_check</title>
<script type="importmap">${importMap}</script></head><body></body></html>`;
}

// Runs in the page: loads LiteRT.js, compiles the model, runs it on the feeds
// by name. Returns a report; every failure is caught and returned with its stage.
async function runInPage({
  coreUrl,
  wasmDir,
  modelUrl,
  accelerator,
  feeds,
  runs,
}) {
  const report = { ok: false, stage: "import" };
  const now = () => performance.now();
  const round = (ms) => Math.round(ms * 1000) / 1000;
  const ARRAYS = {
    float32: Float32Array,
    int32: Int32Array,
    uint8: Uint8Array,
  };
  const details = (list) =>
    list.map((d) => ({
      name: d.name,
      dtype: d.dtype,
      shape: Array.from(d.shape),
    }));
  const tensors = [];
  let model;
  try {
    const litert = await import(coreUrl);
    report.cross_origin_isolated = globalThis.crossOriginIsolated;
    report.webgpu_supported = litert.isWebGPUSupported();

    report.stage = "loadLiteRt";
    let start = now();
    await litert.loadLiteRt(wasmDir);
    report.ms_load = round(now() - start);
    const device = litert.getWebGpuDevice();
    if (device) {
      const info = device.adapterInfo ?? {};
      report.webgpu_adapter = {
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
      };
    }

    report.stage = "fetch model";
    const response = await fetch(modelUrl);
    if (!response.ok)
      throw new Error(`GET ${modelUrl}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());

    report.stage = "loadAndCompile";
    start = now();
    model = await litert.loadAndCompile(bytes, { accelerator });
    report.ms_compile = round(now() - start);
    report.accelerator = model.options.accelerator;
    report.fully_accelerated = model.isFullyAccelerated;
    report.signature = model.key;
    report.inputs = details(model.getInputDetails());
    report.output_details = details(model.getOutputDetails());

    report.stage = "inputs";
    const unknown = Object.keys(feeds).filter(
      (name) => !report.inputs.some((input) => input.name === name),
    );
    if (unknown.length)
      throw new Error(`the model has no inputs named ${unknown.join(", ")}`);
    const named = {};
    for (const [name, feed] of Object.entries(feeds)) {
      const ArrayType = ARRAYS[feed.dtype];
      if (!ArrayType)
        throw new Error(`input ${name}: unsupported dtype ${feed.dtype}`);
      named[name] = new litert.Tensor(ArrayType.from(feed.data), feed.shape);
      tensors.push(named[name]);
    }

    // Each run is timed through reading its outputs back to the host (for
    // webgpu, run() only queues the work): what a page waits for.
    report.stage = "run";
    report.ms_runs = [];
    report.outputs = {};
    for (let i = 0; i < runs; i += 1) {
      start = now();
      const results = await model.run(named);
      const read = {};
      try {
        for (const [name, tensor] of Object.entries(results)) {
          read[name] = {
            dtype: tensor.type.dtype,
            shape: tensor.type.layout.dimensions,
            data: await tensor.data(),
          };
        }
      } finally {
        for (const tensor of Object.values(results)) tensor.delete();
      }
      report.ms_runs.push(round(now() - start));
      if (i === 0) {
        for (const [name, { dtype, shape, data }] of Object.entries(read)) {
          report.outputs[name] = {
            dtype,
            shape: Array.from(shape),
            data: Array.from(data),
          };
        }
      }
    }
    report.ms_run = report.ms_runs[0];
    report.ok = true;
    delete report.stage;
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.stack) report.stack = error.stack;
  } finally {
    for (const tensor of tensors) tensor.delete();
    model?.delete();
  }
  return report;
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} timed out after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(spec, browser, log) {
  const base = new URL(spec.url);
  const litert = new URL(
    spec.litert_path.endsWith("/") ? spec.litert_path : `${spec.litert_path}/`,
    base,
  );
  const pageUrl = new URL(PAGE, base).href;
  const page = await browser.newPage();
  page.on("console", (message) =>
    log.console.push(`${message.type()}: ${message.text()}`),
  );
  page.on("pageerror", (error) => log.console.push(`pageerror: ${error}`));
  page.on("request", (request) => log.requests.push(request.url()));
  page.on("requestfailed", (request) =>
    log.console.push(
      `requestfailed: ${request.url()} ${request.failure()?.errorText}`,
    ),
  );
  await page.route(pageUrl, (route) =>
    route.fulfill({
      contentType: "text/html",
      // Cross-origin isolation: 5 us performance.now() instead of 100 us.
      headers: {
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
      },
      body: pageHtml(new URL("wasm-utils/dist/index.js", litert).href),
    }),
  );
  await page.goto(pageUrl);
  return page.evaluate(runInPage, {
    coreUrl: new URL("core/dist/index.js", litert).href,
    wasmDir: new URL("core/wasm/", litert).href,
    modelUrl: new URL(spec.model, base).href,
    accelerator: spec.accelerator ?? "wasm",
    feeds: spec.feeds ?? {},
    runs: Math.max(1, spec.runs ?? 1),
  });
}

async function main() {
  const log = { console: [], requests: [] };
  let report;
  let browser;
  try {
    const spec = JSON.parse(process.argv[2]);
    const timeoutMs = spec.timeout_ms ?? 120000;
    const work = (async () => {
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
        args: chromiumArgs(spec),
        timeout: timeoutMs,
      });
      return check(spec, browser, log);
    })();
    report = await withTimeout(work, timeoutMs, "litert_check");
  } catch (error) {
    report = {
      ok: false,
      stage: "browser",
      error: error instanceof Error ? error.message : String(error),
    };
  }
  // A closing browser that hangs must not keep the answer back.
  await withTimeout(
    browser?.close() ?? Promise.resolve(),
    10000,
    "closing Chromium",
  ).catch(() => {});
  process.stdout.write(`${JSON.stringify({ ...report, ...log })}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
