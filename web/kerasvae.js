// The page's model side: reads an export folder's manifest.json, checks the
// files it lists (paths stay inside the folder, SHA-256 matches), and runs
// two ONNX graphs with onnxruntime-web (wasm): the sampling graph (uniform
// noise -> image and its latent; the fitted Gaussian mixture is inside it)
// and the decoder (latent -> image). The noise comes from the portable
// generator that Python shares (keras_vae.samplers.uniform_noise), so a seed
// draws the same images here and in keras-vae sample. No DOM here: app.js
// draws.

import * as ort from "./vendor/onnxruntime-web/ort.wasm.bundle.min.mjs";

// The bundle carries its JavaScript glue; only the .wasm is fetched beside it.
const WASM_URL = new URL("./vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm", import.meta.url).href;

function fail(message, received) {
  throw new Error(`${message}. Received: ${received}`);
}

// The same rule as keras_vae_export.manifest.contained_path: a relative POSIX
// path with no empty, "." or ".." part, no backslash, no colon.
export function containedPath(relative, what) {
  const parts = typeof relative === "string" ? relative.split("/") : null;
  if (
    !parts ||
    relative.startsWith("/") ||
    relative.includes("\\") ||
    relative.includes(":") ||
    relative.includes("%") ||
    parts.some((part) => part === "" || part === "." || part === "..")
  ) {
    fail(
      `The manifest's ${what} must be a relative path inside the export folder`,
      `${what}=${JSON.stringify(relative)}`,
    );
  }
  return relative;
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Fetches a file the manifest lists and checks it against its SHA-256.
// Without crypto.subtle (plain http on a non-loopback address) nothing can be
// checked: the file is refused.
async function fetchVerified(baseUrl, relative, expected, what) {
  containedPath(relative, what);
  if (!globalThis.crypto?.subtle) {
    fail(
      "Cannot check SHA-256 here: the page is not a secure context (serve it " +
        "from 127.0.0.1, localhost or https)",
      `origin=${location.origin}`,
    );
  }
  const response = await fetch(new URL(relative, baseUrl));
  if (!response.ok) fail(`Cannot load ${relative}`, `status=${response.status}`);
  const buffer = await response.arrayBuffer();
  if (expected.size_bytes !== undefined && buffer.byteLength !== expected.size_bytes) {
    fail(`${relative} does not match its manifest entry (size)`, `size_bytes=${buffer.byteLength}`);
  }
  const actual = await sha256Hex(buffer);
  if (actual !== expected.sha256) {
    fail(`${relative} does not match its manifest entry (SHA-256)`, `sha256=${actual}`);
  }
  return buffer;
}

// The portable generator of keras_vae.samplers.uniform_noise: number i of a
// seed is lowbias32(seed + (i + 1) * 0x9E3779B9) >> 8, over 2^24.
export function portableUniform(seed, count) {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) fail("seed must be an integer in [0, 2^32)", `seed=${seed}`);
  const numbers = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    let x = (seed + Math.imul(i + 1, 0x9e3779b9)) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x21f0aaad) >>> 0;
    x ^= x >>> 15;
    x = Math.imul(x, 0x735a2d97) >>> 0;
    x ^= x >>> 15;
    numbers[i] = (x >>> 8) / 16777216;
  }
  return numbers;
}

// The noise of n latents: n rows of 1 + 2 * latentDim numbers.
export function seededNoise(seed, n, latentDim) {
  return portableUniform(seed, n * (1 + 2 * latentDim));
}

// The prior's part of the noise contract (no component to pick): Box-Muller
// from columns 1..d (radii) and d+1..2d (angles) of each row.
export function priorLatents(noise, n, latentDim) {
  const width = 1 + 2 * latentDim;
  return Array.from({ length: n }, (_, row) => {
    const z = new Float32Array(latentDim);
    for (let i = 0; i < latentDim; i += 1) {
      const u1 = noise[row * width + 1 + i];
      const u2 = noise[row * width + 1 + latentDim + i];
      const angle = Math.fround(u2 * 6.28125) + Math.fround(u2 * Math.fround(2 * Math.PI - 6.28125));
      z[i] = Math.sqrt(-2 * Math.log(Math.max(1 - u1, 2 ** -24))) * Math.cos(angle);
    }
    return z;
  });
}

// Fetches, compiles and starts the wasm runtime while the manifest and the
// model are still on their way (it is most of the time to first image).
// onnxruntime-web starts its runtime with the first session it creates, and
// has no call for that alone: a session from an empty model starts it, then
// fails as expected; the runtime stays up for the real session.
async function startRuntime() {
  try {
    await ort.InferenceSession.create(new Uint8Array(0));
  } catch {
    // the expected "invalid model" error; a real runtime error shows below.
  }
}

const TYPED_LABELS = { int32: Int32Array, int64: BigInt64Array };

// Fetches an artifact's one file, checked against the manifest's hash.
async function fetchArtifact(baseUrl, entry) {
  const fileName = containedPath(entry.file, "artifact file");
  const listed = entry.files?.[fileName.split("/").pop()] ?? entry.files?.[fileName];
  if (!listed) fail("The ONNX artifact lists no hash for its file", `file=${fileName}`);
  return fetchVerified(baseUrl, fileName, listed, "artifact file");
}

export class Decoder {
  // Use Decoder.load(exportUrl).
  constructor(manifest, session, entry, sampling) {
    this.manifest = manifest;
    this.model = manifest.model;
    this.latentDim = manifest.model.latent_dim;
    this.outputShape = manifest.model.output_shape;
    this.numClasses = manifest.model.num_classes ?? null;
    this.classNames = manifest.model.class_names ?? (this.numClasses ? Array.from({ length: this.numClasses }, (_, i) => String(i)) : null);
    this.session = session;
    this.entry = entry;
    this.sampling = sampling; // {session, entry} of the sampling graph, or null
    this.imageSize = this.outputShape.reduce((a, b) => a * b, 1);
    this.imageOutput = entry.outputs.find((o) => o.role === "image").name;
    this.queue = Promise.resolve();
  }

  static async load(exportUrl, { threads } = {}) {
    const baseUrl = new URL(exportUrl, location.href);
    ort.env.wasm.wasmPaths = { wasm: WASM_URL };
    ort.env.wasm.numThreads = threads ?? 1;
    const runtimeReady = startRuntime();
    const response = await fetch(new URL("manifest.json", baseUrl));
    if (!response.ok) fail("Cannot load manifest.json", `status=${response.status}`);
    const manifest = await response.json();
    performance.mark("keras-vae-manifest");
    if (![2, 3].includes(manifest?.manifest_version) || !Number.isInteger(manifest?.model?.latent_dim)) {
      fail("manifest.json is not a keras-vae export manifest (version 2 or 3)", `manifest_version=${manifest?.manifest_version}`);
    }
    const entry = manifest.artifacts?.onnx;
    if (!entry || entry.runtime !== "onnx") {
      fail("This export has no ONNX decoder; export with --formats onnx", `artifacts=${Object.keys(manifest.artifacts ?? {})}`);
    }
    const sampleEntry = manifest.artifacts["onnx:sample"] ?? null;
    const [modelBytes, samplerBytes] = await Promise.all([
      fetchArtifact(baseUrl, entry),
      sampleEntry ? fetchArtifact(baseUrl, sampleEntry) : null,
    ]);
    performance.mark("keras-vae-files-verified");
    await runtimeReady;
    performance.mark("keras-vae-runtime");
    const options = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
    const [session, samplerSession] = await Promise.all([
      ort.InferenceSession.create(new Uint8Array(modelBytes), options),
      samplerBytes ? ort.InferenceSession.create(new Uint8Array(samplerBytes), options) : null,
    ]);
    performance.mark("keras-vae-session");
    const sampling = samplerSession ? { session: samplerSession, entry: sampleEntry } : null;
    return new Decoder(manifest, session, entry, sampling);
  }

  get latentSamplers() {
    return this.sampling && this.manifest.latent_samplers?.gmm ? ["prior", "gmm"] : ["prior"];
  }

  // What sample() draws by default: the sampling graph's own (the mixture
  // when one was fitted).
  get defaultLatent() {
    return this.latentSamplers.at(-1);
  }

  checkLabels(labels, count) {
    if (this.numClasses === null) {
      if (labels !== undefined && labels !== null) {
        fail("This export is unconditional: it takes no labels", `labels=${JSON.stringify(labels)}`);
      }
      return null;
    }
    if (labels === undefined || labels === null) {
      fail(`This export is conditional (${this.numClasses} classes); pass labels, one int or one per latent`, "labels=null");
    }
    const list = Array.isArray(labels) || ArrayBuffer.isView(labels) ? Array.from(labels) : Array(count).fill(labels);
    if (list.length !== count || !list.every((c) => Number.isInteger(c) && c >= 0 && c < this.numClasses)) {
      fail(`labels must be ints in [0, ${this.numClasses}), one per latent`, `labels=${JSON.stringify(labels)}`);
    }
    return list;
  }

  // z: array of latent vectors. Returns one flat Float32Array per image, in
  // the manifest's output layout (output_shape, row-major).
  async decode(z, labels) {
    if (!Array.isArray(z) || z.length === 0) fail("z must be a non-empty array of latent vectors", `z=${JSON.stringify(z)}`);
    const n = z.length;
    const flat = new Float32Array(n * this.latentDim);
    z.forEach((vector, i) => {
      if (vector?.length !== this.latentDim || !Array.from(vector).every(Number.isFinite)) {
        fail(`Each latent vector must hold ${this.latentDim} finite numbers`, `z[${i}].length=${vector?.length}`);
      }
      flat.set(vector, i * this.latentDim);
    });
    const classes = this.checkLabels(labels, n);
    const outputs = await this.run(this.session, this.entry, { z: [flat, [n, this.latentDim]] }, classes, n);
    return this.rows(outputs.image, n, this.imageSize);
  }

  // Runs one session on float inputs by role ({role: [data, shape]}) and the
  // labels; returns {role: output tensor}. One run at a time: calls queue up.
  async run(session, entry, floats, classes, n) {
    const feeds = {};
    for (const input of entry.inputs) {
      if (input.role === "label") {
        const Typed = TYPED_LABELS[input.dtype] ?? Int32Array;
        const data = Typed === BigInt64Array ? BigInt64Array.from(classes, BigInt) : Typed.from(classes);
        feeds[input.name] = new ort.Tensor(input.dtype ?? "int32", data, [n]);
      } else {
        const [data, shape] = floats[input.role];
        feeds[input.name] = new ort.Tensor("float32", data, shape);
      }
    }
    const names = Object.fromEntries(entry.outputs.map((o) => [o.role, o.name]));
    const wanted = ["image", "z"].filter((role) => role in names).map((role) => names[role]);
    const run = this.queue.then(() => session.run(feeds, wanted));
    this.queue = run.catch(() => {});
    const result = await run;
    return Object.fromEntries(Object.entries(names).filter(([, name]) => name in result).map(([role, name]) => [role, result[name]]));
  }

  rows(tensor, n, size) {
    const rows = Array.from({ length: n }, (_, i) => tensor.data.slice(i * size, (i + 1) * size));
    tensor.dispose?.();
    return rows;
  }

  // n images and the latents they came from: the sampling graph on the seed's
  // noise (latent "gmm", or the graph's own by default), or the prior's
  // Box-Muller latents decoded (latent "prior").
  async draw(n, seed, { latent, labels } = {}) {
    if (!Number.isInteger(n) || n <= 0) fail("n must be a positive integer", `n=${n}`);
    const chosen = latent ?? this.defaultLatent;
    if (!this.latentSamplers.includes(chosen)) {
      fail(`Unknown latent sampler; this export has ${this.latentSamplers}`, `latent=${JSON.stringify(latent)}`);
    }
    const classes = this.defaultLabels(n, labels);
    const noise = seededNoise(seed ?? Math.floor(Math.random() * 2 ** 32), n, this.latentDim);
    if (chosen === "prior" && !(this.sampling && !this.manifest.latent_samplers?.gmm)) {
      const latents = priorLatents(noise, n, this.latentDim);
      return { images: await this.decode(latents, classes ?? undefined), latents };
    }
    const shape = [n, 1 + 2 * this.latentDim];
    const outputs = await this.run(this.sampling.session, this.sampling.entry, { noise: [noise, shape] }, classes, n);
    return { images: this.rows(outputs.image, n, this.imageSize), latents: this.rows(outputs.z, n, this.latentDim) };
  }

  // n latent vectors (Float32Array each), as draw() draws them.
  async latents(n, seed, options = {}) {
    return (await this.draw(n, seed, options)).latents;
  }

  defaultLabels(n, labels) {
    if (this.numClasses !== null && (labels === undefined || labels === null)) {
      return Array.from({ length: n }, (_, i) => i % this.numClasses);
    }
    return this.checkLabels(labels, n);
  }

  async sample(n, seed, options = {}) {
    return (await this.draw(n, seed, options)).images;
  }
}
