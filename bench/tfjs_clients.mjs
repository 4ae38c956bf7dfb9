// Runs TensorFlow.js graph models (converted from the exported SavedModels by
// bench/tfjs_clients.py) in Node, on TF.js's pure JavaScript backend ("cpu")
// and its WebAssembly backend ("wasm"), and compares each output with the
// Python Sampler's. Prints one JSON report on stdout.
//
//   node bench/tfjs_clients.mjs cases.json
//
// cases.json: {"cases": {key: {"model_dir", "feeds": {name: {dtype, shape,
// data}}, "expected": {name: {shape, data}}}}, "backends": ["cpu", "wasm"]}.
// Models are read from disk and handed to TF.js from memory (tf.io.fromMemory):
// no tfjs-node, no download.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { loadGraphModel } from "@tensorflow/tfjs-converter";

const require = createRequire(import.meta.url);

function fromDisk(modelDir) {
  const model = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
  const specs = model.weightsManifest.flatMap((group) => group.weights);
  const buffers = model.weightsManifest.flatMap((group) =>
    group.paths.map((path) => readFileSync(join(modelDir, path))),
  );
  const data = Buffer.concat(buffers);
  return tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer.slice(
      data.byteOffset,
      data.byteOffset + data.byteLength,
    ),
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    signature: model.signature,
  });
}

async function runCase(spec) {
  const report = { ok: false };
  const inputs = {};
  try {
    const model = await loadGraphModel(fromDisk(spec.model_dir));
    report.inputs = model.inputs.map((t) => ({
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
    }));
    report.outputs = model.outputs.map((t) => ({
      name: t.name,
      dtype: t.dtype,
      shape: t.shape,
    }));
    for (const [name, feed] of Object.entries(spec.feeds)) {
      inputs[name] = tf.tensor(feed.data, feed.shape, feed.dtype);
    }
    const names = Object.keys(spec.expected);
    const results = await model.executeAsync(inputs, names);
    const list = Array.isArray(results) ? results : [results];
    report.max_abs_error = {};
    for (const [i, name] of names.entries()) {
      const got = await list[i].data();
      const expected = spec.expected[name].data;
      if (got.length !== expected.length)
        throw new Error(
          `output ${name}: ${got.length} values, expected ${expected.length}`,
        );
      let worst = 0;
      for (let j = 0; j < got.length; j += 1)
        worst = Math.max(worst, Math.abs(got[j] - expected[j]));
      report.max_abs_error[name] = worst;
      list[i].dispose();
    }
    model.dispose();
    report.ok = true;
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
  } finally {
    Object.values(inputs).forEach((t) => t.dispose());
  }
  return report;
}

async function main() {
  const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const wasmDir = join(
    dirname(require.resolve("@tensorflow/tfjs-backend-wasm")),
    "/",
  );
  setWasmPaths(wasmDir);
  const report = { tfjs: tf.version_core, backends: {} };
  for (const backend of spec.backends) {
    await tf.setBackend(backend);
    await tf.ready();
    report.backends[backend] = {};
    for (const [key, item] of Object.entries(spec.cases)) {
      report.backends[backend][key] = await runCase(item);
    }
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
