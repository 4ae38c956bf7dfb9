// The page's model side: reads an export folder's manifest.json, checks the
// files it lists (paths stay inside the folder, SHA-256 matches), and runs
// two graphs: the sampling graph (uniform noise -> image and its latent; the
// fitted Gaussian mixture is inside it) and the decoder (latent -> image), in
// one of two runtimes (RUNTIMES): onnxruntime-web (wasm) on the ONNX files,
// or LiteRT.js (wasm) on the fixed-batch float32 LiteRT files. The noise
// comes from the portable generator that Python shares
// (keras_vae_sampler.uniform_noise), so a seed draws the same images here
// and in keras-vae sample. No DOM here: app.js draws.
//
// Each runtime is imported only when chosen; index.html's import map resolves
// LiteRT.js's one bare import (@litertjs/wasm-utils).

const ORT_MODULE = "./vendor/onnxruntime-web/ort.wasm.bundle.min.mjs";
// The bundle carries its JavaScript glue; only the .wasm is fetched beside it.
const ORT_WASM_URL = new URL(
  "./vendor/onnxruntime-web/ort-wasm-simd-threaded.wasm",
  import.meta.url,
).href;
const LITERT_MODULE = "./vendor/litertjs/core/dist/index.js";
// LiteRT.js picks its build in this folder: relaxed SIMD where the browser
// has it, else the compat one.
const LITERT_WASM_DIR = new URL("./vendor/litertjs/core/wasm/", import.meta.url)
  .href;

import { Validator } from "./vendor/json-schema/dist/esm/index.js";

function fail(message, received, ErrorClass = Error) {
  throw new ErrorClass(`${message}. Received: ${received}`);
}

// The errors of a broken export, named as keras_vae_sampler.errors names
// them: both readers give the same verdict on the shared examples.
export class ExportFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}
export class ExportSchemaError extends ExportFormatError {}
export class ExportRuleError extends ExportFormatError {}
export class NewerExportError extends ExportFormatError {}
export class ExportIntegrityError extends ExportFormatError {}

// The export format is written once, as JSON Schema (schemas/, served beside
// the page): this reader validates against it and checks the rules its
// description states that no schema can express.
export const MANIFEST_VERSION = 3;
const GRAPH_INPUTS = { decode: "z", sample: "noise" };
const validators = {};

export function schemaValidator(name) {
  validators[name] ??= fetch(
    new URL(`./schemas/${name}.schema.json`, import.meta.url),
  ).then(async (response) => {
    if (!response.ok)
      fail(`Cannot load the schema ${name}`, `status=${response.status}`);
    const schema = await response.json();
    return { schema, validator: new Validator(schema, "2020-12", true) };
  });
  return validators[name];
}

function pointerParts(location) {
  return location
    .split("/")
    .slice(1)
    .map((p) =>
      decodeURIComponent(p).replaceAll("~1", "/").replaceAll("~0", "~"),
    );
}

// The subschema that holds a failed keyword, following local $refs.
function failedSubschema(schema, keywordLocation) {
  let node = schema;
  for (const part of pointerParts(keywordLocation).slice(0, -1)) {
    node =
      part === "$ref"
        ? pointerParts(node.$ref).reduce((n, p) => n?.[p], schema)
        : node?.[part];
  }
  return node ?? {};
}

function schemaError(result, document, schema, fileName, schemaName) {
  // The validator lists the failures outermost first: the last one names
  // the offending value.
  const error = result.errors.at(-1);
  const parts = pointerParts(error.instanceLocation);
  const value = parts.reduce((node, part) => node?.[part], document);
  const where = parts.join(".") || "(top level)";
  let shown = JSON.stringify(value) ?? String(value);
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  const description = failedSubschema(
    schema,
    error.keywordLocation,
  ).description;
  // A pattern says what it stands for by its description, as in Python.
  const message =
    error.keyword === "pattern" && description
      ? `${JSON.stringify(value)} is not ${description.replace(/\.$/, "")}`
      : error.error;
  return new ExportSchemaError(
    `${fileName} does not follow its schema (${schemaName}.schema.json) at ${where}: ${message}. Received: ${where}=${shown}`,
  );
}

function artifactKey(format, graph, batchSize) {
  const key = graph === "decode" ? format : `${format}:${graph}`;
  return batchSize === null ? key : `${key}@${batchSize}`;
}

function rule(message, received) {
  fail(`manifest.json: ${message}`, received, ExportRuleError);
}

function checkTensors(key, where, tensors, required) {
  const roles = tensors.map((t) => t.role);
  if (!roles.includes(required) || new Set(roles).size !== roles.length) {
    rule(
      `${where} need a '${required}' role and no role twice`,
      `artifacts['${key}'].${where} roles=${JSON.stringify(roles)}`,
    );
  }
}

// keras_vae_sampler.manifest._check_rules: the same rules, the same order.
export function checkManifestRules(manifest) {
  const numClasses = manifest.model.num_classes ?? null;
  const names = manifest.model.class_names ?? null;
  if (names !== null && names.length !== (numClasses ?? 0)) {
    rule(
      "model.class_names must name each class, and only with num_classes",
      `class_names=${JSON.stringify(names)}`,
    );
  }
  for (const [key, entry] of Object.entries(manifest.artifacts)) {
    const expected = artifactKey(entry.format, entry.graph, entry.batch_size);
    if (key !== expected)
      rule(
        `each artifact's key must be its format, graph and batch size (here '${expected}')`,
        `artifacts['${key}']`,
      );
    checkTensors(key, "inputs", entry.inputs, GRAPH_INPUTS[entry.graph]);
    checkTensors(key, "outputs", entry.outputs, "image");
    const labelled = entry.inputs.some((t) => t.role === "label");
    if (labelled !== (numClasses !== null)) {
      rule(
        "artifacts take a label input exactly when model.num_classes is set",
        `artifacts['${key}'] label input=${labelled}`,
      );
    }
  }
}

// Parses and checks manifest.json's text: the reader's whole verdict on it.
// The page reads version 3 only (older exports: export again).
export async function readManifestText(text) {
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    fail(
      `manifest.json is not valid JSON (${error.message})`,
      "manifest.json",
      ExportSchemaError,
    );
  }
  const version = manifest?.manifest_version;
  if (Number.isInteger(version) && version > MANIFEST_VERSION) {
    fail(
      `manifest.json is version ${version}, written by a newer keras-vae; this page reads version ${MANIFEST_VERSION}. Upgrade keras-vae-sampler`,
      `manifest_version=${version}`,
      NewerExportError,
    );
  }
  const { schema, validator } = await schemaValidator("manifest");
  const result = validator.validate(manifest);
  if (!result.valid)
    throw schemaError(result, manifest, schema, "manifest.json", "manifest");
  checkManifestRules(manifest);
  return manifest;
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

// Fetches a file the manifest lists and checks it against its SHA-256.
// Without crypto.subtle (plain http on a non-loopback address) nothing can be
// checked: the file is refused.
async function fetchVerified(baseUrl, relative, expected) {
  if (!globalThis.crypto?.subtle) {
    fail(
      "Cannot check SHA-256 here: the page is not a secure context (serve it " +
        "from 127.0.0.1, localhost or https)",
      `origin=${location.origin}`,
    );
  }
  const response = await fetch(new URL(relative, baseUrl));
  if (!response.ok)
    fail(
      `Cannot load ${relative}`,
      `status=${response.status}`,
      ExportIntegrityError,
    );
  const buffer = await response.arrayBuffer();
  if (
    expected.size_bytes !== undefined &&
    buffer.byteLength !== expected.size_bytes
  ) {
    fail(
      `${relative} does not match its manifest entry (size)`,
      `size_bytes=${buffer.byteLength}`,
      ExportIntegrityError,
    );
  }
  const actual = await sha256Hex(buffer);
  if (actual !== expected.sha256) {
    fail(
      `${relative} does not match its manifest entry (SHA-256)`,
      `sha256=${actual}`,
      ExportIntegrityError,
    );
  }
  return buffer;
}

// The portable generator of keras_vae_sampler.uniform_noise: number i of a
// seed is lowbias32(seed + (i + 1) * 0x9E3779B9) >> 8, over 2^24.
export function portableUniform(seed, count) {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    fail("seed must be an integer in [0, 2^32)", `seed=${seed}`);
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
      const angle =
        Math.fround(u2 * 6.28125) +
        Math.fround(u2 * Math.fround(2 * Math.PI - 6.28125));
      z[i] =
        Math.sqrt(-2 * Math.log(Math.max(1 - u1, 2 ** -24))) * Math.cos(angle);
    }
    return z;
  });
}

const TYPED_LABELS = { int32: Int32Array, int64: BigInt64Array };

function typedLabels(dtype, classes, length = classes.length) {
  const Typed = TYPED_LABELS[dtype] ?? Int32Array;
  const data = new Typed(length);
  classes.forEach((c, i) => {
    data[i] = Typed === BigInt64Array ? BigInt(c) : c;
  });
  return data;
}

// Fetches an artifact's one file, checked against the manifest's hash (its
// path is the schema's relative_path, checked with the manifest).
async function fetchArtifact(baseUrl, entry) {
  const fileName = entry.file;
  const listed =
    entry.files[fileName.split("/").pop()] ?? entry.files[fileName];
  if (!listed)
    fail(
      "The artifact lists no hash for its file",
      `file=${fileName}`,
      ExportIntegrityError,
    );
  return fetchVerified(baseUrl, fileName, listed);
}

// The roles a runner returns, by output name.
const RETURNED_ROLES = ["image", "z"];

// onnxruntime-web: one session per graph, any batch size.
class OrtRunner {
  // Imports onnxruntime-web and starts its wasm runtime, while the manifest
  // is still on its way (the runtime is most of the time to first image).
  // onnxruntime-web starts its runtime with the first session it creates and
  // has no call for that alone: a session from an empty model starts it,
  // then fails as expected; the runtime stays up for the real sessions.
  static async start({ threads }) {
    const ort = await import(ORT_MODULE);
    ort.env.wasm.wasmPaths = { wasm: ORT_WASM_URL };
    ort.env.wasm.numThreads = threads ?? 1;
    try {
      await ort.InferenceSession.create(new Uint8Array(0));
    } catch {
      // the expected "invalid model" error; a real runtime error shows below.
    }
    return ort;
  }

  static entries(manifest) {
    const decode = manifest.artifacts?.onnx;
    return decode?.runtime === "onnx"
      ? { decode, sample: manifest.artifacts["onnx:sample"] ?? null }
      : null;
  }

  static async open(started, baseUrl, manifest) {
    const entries = OrtRunner.entries(manifest);
    if (!entries) {
      fail(
        "This export has no ONNX decoder; export with --formats onnx",
        `artifacts=${Object.keys(manifest.artifacts ?? {})}`,
      );
    }
    const bytes = await Promise.all(
      [entries.decode, entries.sample].map((e) =>
        e ? fetchArtifact(baseUrl, e) : null,
      ),
    );
    performance.mark("keras-vae-files-verified");
    const ort = await started;
    performance.mark("keras-vae-runtime");
    const runner = new OrtRunner(ort, entries, {
      decode: bytes[0],
      sample: bytes[1],
    });
    // The first image is the sample grid: its session now, the decoder's on
    // first use.
    await runner.session(entries.sample ? "sample" : "decode");
    performance.mark("keras-vae-session");
    return runner;
  }

  constructor(ort, entries, bytes) {
    this.ort = ort;
    this.entries = entries;
    this.bytes = bytes;
    this.sessions = {};
  }

  hasGraph(graph) {
    return Boolean(this.bytes[graph]);
  }

  session(graph) {
    this.sessions[graph] ??= this.ort.InferenceSession.create(
      new Uint8Array(this.bytes[graph]),
      {
        executionProviders: ["wasm"],
        graphOptimizationLevel: "all",
      },
    );
    return this.sessions[graph];
  }

  // floats: {role: flat Float32Array of n rows}; returns {role: flat Float32Array}.
  async run(graph, floats, classes, n) {
    const entry = this.entries[graph];
    const feeds = {};
    for (const input of entry.inputs) {
      feeds[input.name] =
        input.role === "label"
          ? new this.ort.Tensor(
              input.dtype ?? "int32",
              typedLabels(input.dtype, classes),
              [n],
            )
          : new this.ort.Tensor("float32", floats[input.role], [
              n,
              floats[input.role].length / n,
            ]);
    }
    const outputs = entry.outputs.filter((o) =>
      RETURNED_ROLES.includes(o.role),
    );
    const session = await this.session(graph);
    const result = await session.run(
      feeds,
      outputs.map((o) => o.name),
    );
    return Object.fromEntries(
      outputs.map((o) => {
        const data = result[o.name].data.slice();
        result[o.name].dispose?.();
        return [o.role, data];
      }),
    );
  }
}

// LiteRT.js: the fixed-batch float32 LiteRT files (LiteRT.js refuses dynamic
// shapes), each compiled on first use; a call of n rows runs the largest
// batch that fits, and the smallest one padded for the rest.
class LiteRtRunner {
  static async start() {
    const litert = await import(LITERT_MODULE);
    // LiteRT.js's wasm logs its INFO and WARNING lines to stderr, which
    // Emscripten shows as console errors; its loader hands globalThis.Module
    // to the wasm module, so this keeps those lines at debug level and only
    // real errors as errors.
    globalThis.Module = {
      print: (text) => console.debug(text),
      printErr: (text) =>
        /^(INFO|WARNING|VERBOSE)\b/.test(text)
          ? console.debug(text)
          : console.error(text),
    };
    await litert.loadLiteRt(LITERT_WASM_DIR);
    return litert;
  }

  // {graph: [entry, ...]} by batch size, largest first.
  static entries(manifest) {
    const fixed = (graph) =>
      Object.values(manifest.artifacts ?? {})
        .filter(
          (e) =>
            e.format === "tflite" &&
            e.graph === graph &&
            Number.isInteger(e.batch_size) &&
            e.batch_size > 0,
        )
        .sort((a, b) => b.batch_size - a.batch_size);
    const entries = { decode: fixed("decode"), sample: fixed("sample") };
    return entries.decode.length ? entries : null;
  }

  static async open(started, baseUrl, manifest) {
    const entries = LiteRtRunner.entries(manifest);
    if (!entries) {
      fail(
        "This export has no fixed-batch LiteRT files, which LiteRT.js needs (it refuses dynamic shapes); " +
          "export with --formats tflite and --batch-sizes",
        `artifacts=${Object.keys(manifest.artifacts ?? {})}`,
      );
    }
    const all = [...entries.decode, ...entries.sample];
    const bytes = await Promise.all(all.map((e) => fetchArtifact(baseUrl, e)));
    performance.mark("keras-vae-files-verified");
    const litert = await started;
    performance.mark("keras-vae-runtime");
    const runner = new LiteRtRunner(
      litert,
      entries,
      new Map(all.map((e, i) => [e, new Uint8Array(bytes[i])])),
    );
    // The first image is the sample grid: compile its model now.
    if (entries.sample.length) await runner.model(entries.sample[0]);
    performance.mark("keras-vae-session");
    return runner;
  }

  constructor(litert, entries, bytes) {
    this.litert = litert;
    this.entries = entries;
    this.bytes = bytes;
    this.models = new Map();
  }

  hasGraph(graph) {
    return this.entries[graph].length > 0;
  }

  model(entry) {
    if (!this.models.has(entry)) {
      this.models.set(
        entry,
        this.litert.loadAndCompile(this.bytes.get(entry), {
          accelerator: "wasm",
        }),
      );
    }
    return this.models.get(entry);
  }

  async run(graph, floats, classes, n) {
    const entries = this.entries[graph];
    const result = {};
    for (let start = 0; start < n;) {
      const entry =
        entries.find((e) => e.batch_size <= n - start) ?? entries.at(-1);
      const rows = Math.min(entry.batch_size, n - start);
      const model = await this.model(entry);
      const inputs = {};
      let outputs = {};
      try {
        for (const input of entry.inputs) {
          let data;
          if (input.role === "label") {
            data = typedLabels(
              input.dtype,
              classes.slice(start, start + rows),
              entry.batch_size,
            );
          } else {
            const width = floats[input.role].length / n;
            data = new Float32Array(entry.batch_size * width); // padding rows: zeros
            data.set(
              floats[input.role].subarray(
                start * width,
                (start + rows) * width,
              ),
            );
          }
          inputs[input.name] = new this.litert.Tensor(data, input.shape);
        }
        outputs = await model.run(inputs);
        for (const output of entry.outputs.filter((o) =>
          RETURNED_ROLES.includes(o.role),
        )) {
          const data = await outputs[output.name].data();
          const width = data.length / entry.batch_size;
          result[output.role] ??= new Float32Array(n * width);
          result[output.role].set(
            data.subarray(0, rows * width),
            start * width,
          );
        }
      } finally {
        for (const tensor of [
          ...Object.values(inputs),
          ...Object.values(outputs),
        ])
          tensor.delete();
      }
      start += rows;
    }
    return result;
  }
}

// The runtimes the page offers, by the name ?runtime= takes.
export const RUNTIMES = {
  ort: { label: "onnxruntime-web (wasm)", runner: OrtRunner },
  litert: { label: "LiteRT.js (wasm)", runner: LiteRtRunner },
};
export const DEFAULT_RUNTIME = "ort";

export class Decoder {
  // Use Decoder.load(exportUrl, {runtime, threads}).
  constructor(manifest, runner, runtime) {
    this.manifest = manifest;
    this.model = manifest.model;
    this.latentDim = manifest.model.latent_dim;
    this.outputShape = manifest.model.output_shape;
    this.numClasses = manifest.model.num_classes ?? null;
    this.classNames =
      manifest.model.class_names ??
      (this.numClasses
        ? Array.from({ length: this.numClasses }, (_, i) => String(i))
        : null);
    this.runner = runner;
    this.runtime = runtime;
    this.imageSize = this.outputShape.reduce((a, b) => a * b, 1);
    this.queue = Promise.resolve();
  }

  // The runtimes of RUNTIMES that can run this manifest's files.
  static runtimesFor(manifest) {
    return Object.keys(RUNTIMES).filter(
      (name) => RUNTIMES[name].runner.entries(manifest) !== null,
    );
  }

  static async load(exportUrl, { threads, runtime = DEFAULT_RUNTIME } = {}) {
    if (!Object.hasOwn(RUNTIMES, runtime)) {
      fail(
        `Unknown runtime; the page has ${Object.keys(RUNTIMES)}`,
        `runtime=${JSON.stringify(runtime)}`,
      );
    }
    const Runner = RUNTIMES[runtime].runner;
    const baseUrl = new URL(exportUrl, location.href);
    schemaValidator("manifest").catch(() => {}); // fetched beside the manifest; awaited when read
    const started = Runner.start({ threads });
    started.catch(() => {}); // awaited in open(); a failure shows there
    const response = await fetch(new URL("manifest.json", baseUrl));
    if (!response.ok)
      fail("Cannot load manifest.json", `status=${response.status}`);
    const manifest = await readManifestText(await response.text());
    performance.mark("keras-vae-manifest");
    return new Decoder(
      manifest,
      await Runner.open(started, baseUrl, manifest),
      runtime,
    );
  }

  get latentSamplers() {
    return this.runner.hasGraph("sample") && this.manifest.latent_samplers?.gmm
      ? ["prior", "gmm"]
      : ["prior"];
  }

  // What sample() draws by default: the sampling graph's own (the mixture
  // when one was fitted).
  get defaultLatent() {
    return this.latentSamplers.at(-1);
  }

  checkLabels(labels, count) {
    if (this.numClasses === null) {
      if (labels !== undefined && labels !== null) {
        fail(
          "This export is unconditional: it takes no labels",
          `labels=${JSON.stringify(labels)}`,
        );
      }
      return null;
    }
    if (labels === undefined || labels === null) {
      fail(
        `This export is conditional (${this.numClasses} classes); pass labels, one int or one per latent`,
        "labels=null",
      );
    }
    const list =
      Array.isArray(labels) || ArrayBuffer.isView(labels)
        ? Array.from(labels)
        : Array(count).fill(labels);
    if (
      list.length !== count ||
      !list.every((c) => Number.isInteger(c) && c >= 0 && c < this.numClasses)
    ) {
      fail(
        `labels must be ints in [0, ${this.numClasses}), one per latent`,
        `labels=${JSON.stringify(labels)}`,
      );
    }
    return list;
  }

  // One run at a time: calls queue up.
  run(graph, floats, classes, n) {
    const run = this.queue.then(() =>
      this.runner.run(graph, floats, classes, n),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  // z: array of latent vectors. Returns one flat Float32Array per image, in
  // the manifest's output layout (output_shape, row-major).
  async decode(z, labels) {
    if (!Array.isArray(z) || z.length === 0)
      fail(
        "z must be a non-empty array of latent vectors",
        `z=${JSON.stringify(z)}`,
      );
    const n = z.length;
    const flat = new Float32Array(n * this.latentDim);
    z.forEach((vector, i) => {
      if (
        vector?.length !== this.latentDim ||
        !Array.from(vector).every(Number.isFinite)
      ) {
        fail(
          `Each latent vector must hold ${this.latentDim} finite numbers`,
          `z[${i}].length=${vector?.length}`,
        );
      }
      flat.set(vector, i * this.latentDim);
    });
    const classes = this.checkLabels(labels, n);
    const outputs = await this.run("decode", { z: flat }, classes, n);
    return rows(outputs.image, n, this.imageSize);
  }

  // n images and the latents they came from: the sampling graph on the seed's
  // noise (latent "gmm", or the graph's own by default), or the prior's
  // Box-Muller latents decoded (latent "prior").
  async draw(n, seed, { latent, labels } = {}) {
    if (!Number.isInteger(n) || n <= 0)
      fail("n must be a positive integer", `n=${n}`);
    const chosen = latent ?? this.defaultLatent;
    if (!this.latentSamplers.includes(chosen)) {
      fail(
        `Unknown latent sampler; this export has ${this.latentSamplers}`,
        `latent=${JSON.stringify(latent)}`,
      );
    }
    const classes = this.defaultLabels(n, labels);
    const noise = seededNoise(
      seed ?? Math.floor(Math.random() * 2 ** 32),
      n,
      this.latentDim,
    );
    if (
      chosen === "prior" &&
      !(this.runner.hasGraph("sample") && !this.manifest.latent_samplers?.gmm)
    ) {
      const latents = priorLatents(noise, n, this.latentDim);
      return {
        images: await this.decode(latents, classes ?? undefined),
        latents,
      };
    }
    const outputs = await this.run("sample", { noise }, classes, n);
    return {
      images: rows(outputs.image, n, this.imageSize),
      latents: rows(outputs.z, n, this.latentDim),
    };
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

function rows(flat, n, size) {
  return Array.from({ length: n }, (_, i) =>
    flat.slice(i * size, (i + 1) * size),
  );
}
