// Loads the keras-vae page in headless Chromium (Debian's, via playwright-core)
// and reports what it did, as one JSON line on stdout, for tests/web/test_browser.py.
//
//   node tests/browser/page_check.mjs '{"url": "...", "z": [[...]], "labels": [...]}'
//
// Reports: every request URL, console errors, decode(z, labels) results, the
// grid's pixel statistics, whether moving a slider and picking a label change
// the large image, and sample() output sizes.

import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
}

// A canvas' grey-level statistics and a checksum of its pixels, computed in the page.
const canvasSummary = (id) => {
  const canvas = document.getElementById(id);
  const data = canvas
    .getContext("2d")
    .getImageData(0, 0, canvas.width, canvas.height).data;
  let hash = 2166136261;
  let min = 255;
  let max = 0;
  const distinct = new Set();
  for (let i = 0; i < data.length; i += 1)
    hash = Math.imul(hash ^ data[i], 16777619) >>> 0;
  for (let i = 0; i < data.length; i += 4) {
    distinct.add(data[i]);
    min = Math.min(min, data[i]);
    max = Math.max(max, data[i]);
  }
  return { hash, min, max, distinct: distinct.size, pixels: data.length / 4 };
};

async function changedAfter(page, id, before, action) {
  await action();
  return page
    .waitForFunction(
      ([canvasId, old, summary]) =>
        new Function(`return (${summary})`)()(canvasId).hash !== old,
      [id, before.hash, canvasSummary.toString()],
      { timeout: 5000 },
    )
    .then(
      () => true,
      () => false,
    );
}

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const browser = await launch();
  const report = { requests: [], console_errors: [], page_errors: [] };
  try {
    const page = await browser.newPage();
    page.on("request", (request) => report.requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error")
        report.console_errors.push(message.text());
    });
    page.on("pageerror", (error) => report.page_errors.push(String(error)));
    await page.goto(spec.url);
    await page.waitForFunction(() => window.kerasVae !== undefined);
    if (spec.expect_error) {
      await page.waitForFunction(
        () => document.getElementById("status").dataset.state === "error",
      );
      report.status = await page.evaluate(() => ({
        state: "error",
        text: document.getElementById("status").textContent,
      }));
      return;
    }
    report.ready = await page.evaluate(async () => {
      const decoder = await window.kerasVae.ready;
      return {
        latent_dim: decoder.latentDim,
        samplers: decoder.latentSamplers,
        num_classes: decoder.numClasses,
      };
    });
    await page.waitForFunction(
      () => document.getElementById("status").dataset.state !== "loading",
    );
    report.status = await page.evaluate(() => ({
      state: document.getElementById("status").dataset.state,
      text: document.getElementById("status").textContent,
      first_image_ms: window.kerasVae.firstImageMs,
      cross_origin_isolated: globalThis.crossOriginIsolated,
    }));
    report.pad_visible = await page.locator("#pad").isVisible();
    report.sliders = await page.locator("#sliders input").count();
    if (spec.z) {
      report.decoded = await page.evaluate(
        async ([z, labels]) =>
          (await window.kerasVae.decode(z, labels ?? undefined)).map((image) =>
            Array.from(image),
          ),
        [spec.z, spec.labels ?? null],
      );
    }
    if (spec.latents) {
      report.latents = await page.evaluate(
        async ([n, options]) =>
          (await window.kerasVae.latents(n, 1, options)).map((z) =>
            Array.from(z),
          ),
        [spec.latents.n, spec.latents.options],
      );
    }
    report.sampled = await page.evaluate(async (options) => {
      const images = await window.kerasVae.sample(3, 5, options);
      const again = await window.kerasVae.sample(3, 5, options);
      return {
        count: images.length,
        length: images[0].length,
        repeatable: images.every((image, i) =>
          image.every((v, j) => v === again[i][j]),
        ),
        images: images.map((image) => Array.from(image)),
      };
    }, spec.sample_options ?? {});
    if (spec.select_sampler) {
      const grid = await page.evaluate(canvasSummary, "grid");
      report.sampler_changed_grid = await changedAfter(page, "grid", grid, () =>
        page.selectOption("#sampler", spec.select_sampler),
      );
    }
    report.grid = await page.evaluate(canvasSummary, "grid");
    if (spec.screenshot)
      await page.screenshot({ path: spec.screenshot, fullPage: true });

    // Slider: move the first one and wait for the large image to change.
    const large = await page.evaluate(canvasSummary, "large");
    report.slider_changed_image = await changedAfter(page, "large", large, () =>
      page.locator("#z0").fill("2.5"),
    );

    if (report.ready.num_classes !== null) {
      report.label_changes = [];
      for (const label of spec.pick_labels ?? []) {
        const old = await page.evaluate(canvasSummary, "large");
        const changed = await changedAfter(page, "large", old, () =>
          page.selectOption("#label", String(label)),
        );
        // What the page shows must be decode(current z, label), drawn the same way.
        const matches = await page.evaluate(async (c) => {
          const current = window.kerasVae.current();
          if (current.label !== c) return false;
          const [image] = await window.kerasVae.decode([current.z], [c]);
          const { drawImage } = await import("./drawing.js");
          const large = document.getElementById("large");
          const canvas = document.createElement("canvas");
          canvas.width = large.width;
          canvas.height = large.height;
          drawImage(
            canvas.getContext("2d"),
            image,
            window.kerasVae.manifest.model,
            0,
            0,
            canvas.width,
            canvas.height,
          );
          const expected = canvas
            .getContext("2d")
            .getImageData(0, 0, canvas.width, canvas.height).data;
          const shown = large
            .getContext("2d")
            .getImageData(0, 0, large.width, large.height).data;
          return expected.every((v, i) => v === shown[i]);
        }, label);
        report.label_changes.push({ label, changed, matches });
      }
    }
  } finally {
    await browser.close();
    process.stdout.write(JSON.stringify(report) + "\n");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
