// Measures the keras-vae page in headless Chromium: time to first image after
// navigation (cold: a fresh browser context each time; and repeat visits),
// decode latency at batch 1 and throughput at batch 64, for each requested
// page: a runtime of the page (ort: onnxruntime-web, litert: LiteRT.js) and
// a wasm thread count.
// Driven by bench/browser_benchmark.py, which serves the page and prints
// the table:
//
//   node bench/browser_benchmark.mjs '{"url": "...", "pages": [{"runtime": "ort", "threads": 1}], ...}'

import { chromium } from "playwright-core";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(url);
  await page.waitForFunction(
    () => window.kerasVae?.firstImageMs != null,
    null,
    { timeout: 60000 },
  );
  return { context, page, requests };
}

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const browser = await chromium.launch({
    executablePath: spec.chromium ?? "/usr/bin/chromium",
    args: ARGS,
  });
  const report = {
    chromium: browser.version(),
    first_image: {},
    first_image_repeat_visit: {},
    decode: {},
    requests: [],
  };
  try {
    for (const { runtime, threads } of spec.pages) {
      const key = `${runtime}:${threads}`;
      const url = `${spec.url}?runtime=${runtime}&threads=${threads}`;
      const firstImage = [];
      for (let i = 0; i < spec.navigations; i += 1) {
        const { context, page, requests } = await openPage(browser, url);
        firstImage.push(
          await page.evaluate(() => window.kerasVae.firstImageMs),
        );
        report.requests.push(...requests);
        await context.close();
      }
      report.first_image[key] = firstImage;

      // Repeat visits: the same context reloads the page (files revalidated
      // with their ETag, compiled wasm reused from the code cache).
      const repeat = await openPage(browser, url);
      const again = [];
      for (let i = 0; i < spec.navigations; i += 1) {
        await repeat.page.reload();
        await repeat.page.waitForFunction(
          () => window.kerasVae?.firstImageMs != null,
          null,
          { timeout: 60000 },
        );
        again.push(
          await repeat.page.evaluate(() => window.kerasVae.firstImageMs),
        );
      }
      report.requests.push(...repeat.requests);
      await repeat.context.close();
      report.first_image_repeat_visit[key] = again;

      const { context, page, requests } = await openPage(browser, url);
      report.requests.push(...requests);
      report.decode[key] = await page.evaluate(
        async ({ calls, batches }) => {
          const api = window.kerasVae;
          const decoder = await api.ready;
          const one = await decoder.latents(1, 1);
          const many = await decoder.latents(64, 2);
          const labels = (n) =>
            decoder.numClasses === null
              ? undefined
              : Array.from({ length: n }, (_, i) => i % decoder.numClasses);
          for (let i = 0; i < 50; i += 1) await api.decode(one, labels(1));
          const single = [];
          for (let i = 0; i < calls; i += 1) {
            const start = performance.now();
            await api.decode(one, labels(1));
            single.push(performance.now() - start);
          }
          for (let i = 0; i < 5; i += 1) await api.decode(many, labels(64));
          const start = performance.now();
          for (let i = 0; i < batches; i += 1)
            await api.decode(many, labels(64));
          const seconds = (performance.now() - start) / 1000;
          single.sort((a, b) => a - b);
          return {
            runtime: api.runtime,
            threads_used: api.threads,
            cross_origin_isolated: globalThis.crossOriginIsolated,
            batch1_ms_median: single[Math.floor(single.length / 2)],
            batch1_ms_p90: single[Math.floor(single.length * 0.9)],
            batch1_ms_mean: single.reduce((a, b) => a + b, 0) / single.length,
            batch64_images_per_s: (64 * batches) / seconds,
            batch64_ms: (seconds * 1000) / batches,
            timer_resolution_note:
              "performance.now() is coarsened to 5 us in cross-origin isolated pages, 100 us otherwise",
          };
        },
        { calls: spec.calls, batches: spec.batches },
      );
      await context.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
