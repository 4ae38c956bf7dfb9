// The page's model side: reads an export folder's manifest.json, checks the
// files it lists (paths stay inside the folder, SHA-256 matches), runs the
// ONNX decoder with onnxruntime-web (wasm) and draws latents from the prior
// or from the export's Gaussian mixture. No DOM here: app.js draws.

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

// A seeded generator (mulberry32) and standard normals (Box-Muller). The page's
// seeds are its own: they do not reproduce numpy's draws.
export class Random {
  constructor(seed) {
    this.state = Number.isFinite(seed) ? seed >>> 0 : (Math.random() * 2 ** 32) >>> 0;
    this.spare = null;
  }

  uniform() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal() {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u = 1 - this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.uniform();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

function isNumberArray(value, length) {
  return Array.isArray(value) && value.length === length && value.every(Number.isFinite);
}

// Checks a latent_sampler_gmm.json and returns {label -> mixture}.
export function readMixtures(spec, latentDim, numClasses) {
  if (!spec || spec.type !== "gaussian_mixture" || spec.latent_dim !== latentDim) {
    fail("The mixture file must be a gaussian_mixture over the model's latents", `type=${spec?.type}, latent_dim=${spec?.latent_dim}`);
  }
  if (!Array.isArray(spec.mixtures) || spec.mixtures.length === 0) {
    fail("The mixture file must list mixtures", `mixtures=${JSON.stringify(spec.mixtures)}`);
  }
  const byLabel = new Map();
  for (const mixture of spec.mixtures) {
    const label = mixture?.label ?? null;
    const validLabel = numClasses == null ? label === null : Number.isInteger(label) && label >= 0 && label < numClasses;
    if (!validLabel) fail("Mixture labels must be null (unconditional) or a class", `label=${JSON.stringify(label)}`);
    const k = mixture.weights?.length ?? 0;
    const total = k ? mixture.weights.reduce((a, b) => a + b, 0) : 0;
    if (
      !k ||
      !isNumberArray(mixture.weights, k) ||
      mixture.weights.some((w) => w < 0) ||
      Math.abs(total - 1) > 1e-3 ||
      !Array.isArray(mixture.means) ||
      mixture.means.length !== k ||
      !mixture.means.every((m) => isNumberArray(m, latentDim)) ||
      !Array.isArray(mixture.cholesky) ||
      mixture.cholesky.length !== k ||
      !mixture.cholesky.every(
        (c) => Array.isArray(c) && c.length === latentDim && c.every((row) => isNumberArray(row, latentDim)),
      )
    ) {
      fail("Each mixture needs K weights summing to 1, K means and K Cholesky factors of the latent size", `label=${JSON.stringify(label)}`);
    }
    byLabel.set(label, mixture);
  }
  return byLabel;
}

function drawMixture(mixture, random) {
  let pick = random.uniform();
  let k = 0;
  while (k < mixture.weights.length - 1 && pick >= mixture.weights[k]) {
    pick -= mixture.weights[k];
    k += 1;
  }
  const d = mixture.means[k].length;
  const eps = Array.from({ length: d }, () => random.normal());
  const z = new Float32Array(d);
  for (let i = 0; i < d; i += 1) {
    let value = mixture.means[k][i];
    const row = mixture.cholesky[k][i];
    for (let j = 0; j <= i; j += 1) value += row[j] * eps[j];
    z[i] = value;
  }
  return z;
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

export class Decoder {
  // Use Decoder.load(exportUrl).
  constructor(manifest, session, entry, mixtures) {
    this.manifest = manifest;
    this.model = manifest.model;
    this.latentDim = manifest.model.latent_dim;
    this.outputShape = manifest.model.output_shape;
    this.numClasses = manifest.model.num_classes ?? null;
    this.classNames = manifest.model.class_names ?? (this.numClasses ? Array.from({ length: this.numClasses }, (_, i) => String(i)) : null);
    this.session = session;
    this.entry = entry;
    this.mixtures = mixtures;
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
    if (manifest?.manifest_version !== 2 || !Number.isInteger(manifest?.model?.latent_dim)) {
      fail("manifest.json is not a keras-vae export manifest (version 2)", `manifest_version=${manifest?.manifest_version}`);
    }
    const entry = manifest.artifacts?.onnx;
    if (!entry || entry.runtime !== "onnx") {
      fail("This export has no ONNX decoder; export with --formats onnx", `artifacts=${Object.keys(manifest.artifacts ?? {})}`);
    }
    const fileName = containedPath(entry.file, "artifact file");
    const listed = entry.files?.[fileName.split("/").pop()] ?? entry.files?.[fileName];
    if (!listed) fail("The ONNX artifact lists no hash for its file", `file=${fileName}`);

    const samplers = manifest.latent_samplers ?? { prior: { type: "standard_normal" } };
    const gmm = samplers.gmm;
    const [modelBytes, mixtureBytes] = await Promise.all([
      fetchVerified(baseUrl, fileName, listed, "artifact file"),
      gmm ? fetchVerified(baseUrl, gmm.file, gmm, "latent sampler file") : null,
    ]);
    performance.mark("keras-vae-files-verified");
    await runtimeReady;
    performance.mark("keras-vae-runtime");
    const session = await ort.InferenceSession.create(new Uint8Array(modelBytes), {
      executionProviders: ["wasm"],
      graphOptimizationLevel: "all",
    });
    performance.mark("keras-vae-session");
    const mixtures = mixtureBytes
      ? readMixtures(JSON.parse(new TextDecoder().decode(mixtureBytes)), manifest.model.latent_dim, manifest.model.num_classes ?? null)
      : null;
    return new Decoder(manifest, session, entry, mixtures);
  }

  get latentSamplers() {
    return this.mixtures ? ["prior", "gmm"] : ["prior"];
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
    const feeds = {};
    for (const input of this.entry.inputs) {
      if (input.role === "z") {
        feeds[input.name] = new ort.Tensor("float32", flat, [n, this.latentDim]);
      } else {
        const Typed = TYPED_LABELS[input.dtype] ?? Int32Array;
        const data = Typed === BigInt64Array ? BigInt64Array.from(classes, BigInt) : Typed.from(classes);
        feeds[input.name] = new ort.Tensor(input.dtype ?? "int32", data, [n]);
      }
    }
    // One run at a time per session: calls queue up.
    const run = this.queue.then(() => this.session.run(feeds, [this.imageOutput]));
    this.queue = run.catch(() => {});
    const output = (await run)[this.imageOutput];
    const images = Array.from({ length: n }, (_, i) => output.data.slice(i * this.imageSize, (i + 1) * this.imageSize));
    output.dispose?.();
    return images;
  }

  // n latent vectors (Float32Array each) from the prior or the mixture.
  latents(n, seed, { latent = "prior", labels } = {}) {
    if (!Number.isInteger(n) || n <= 0) fail("n must be a positive integer", `n=${n}`);
    if (!this.latentSamplers.includes(latent)) {
      fail(`Unknown latent sampler; this export has ${this.latentSamplers}`, `latent=${JSON.stringify(latent)}`);
    }
    const classes = this.defaultLabels(n, labels);
    const random = new Random(seed);
    return Array.from({ length: n }, (_, i) => {
      if (latent === "gmm") {
        const mixture = this.mixtures.get(classes ? classes[i] : null);
        if (!mixture) fail("The mixture file has no mixture for this class", `label=${classes?.[i]}`);
        return drawMixture(mixture, random);
      }
      return Float32Array.from({ length: this.latentDim }, () => random.normal());
    });
  }

  defaultLabels(n, labels) {
    if (this.numClasses !== null && (labels === undefined || labels === null)) {
      return Array.from({ length: n }, (_, i) => i % this.numClasses);
    }
    return this.checkLabels(labels, n);
  }

  async sample(n, seed, options = {}) {
    const z = this.latents(n, seed, options);
    return this.decode(z, this.defaultLabels(n, options.labels));
  }
}
