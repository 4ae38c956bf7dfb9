// The page's reader on the shared examples of the export format, in headless
// Chromium, for tests/web/test_browser.py:
//
//   node tests/browser/format_check.mjs '{"url": "...", "examples": "cases.json", "loads": ["export/"]}'
//
// `examples` is a JSON file {name: manifest text}; each text goes through
// kerasvae.js' readManifestText. `loads` are export URLs (relative to `url`)
// opened with Decoder.load. Prints one JSON line: {"verdicts": {name:
// "valid" or the error's class name}, "loads": {url: verdict}, "messages"}.

import { readFileSync } from "node:fs";
import { launch } from "./page_check.mjs";

const spec = JSON.parse(process.argv[2]);
const examples = JSON.parse(readFileSync(spec.examples, "utf8"));
const browser = await launch();
try {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  await page.goto(spec.url);
  const report = await page.evaluate(
    async ([texts, loads]) => {
      const reader = await import(new URL("kerasvae.js", location.href).href);
      const verdict = async (action) => {
        try {
          await action();
          return ["valid", ""];
        } catch (error) {
          return [error.name, String(error.message)];
        }
      };
      const verdicts = {};
      const messages = {};
      for (const [name, text] of Object.entries(texts)) {
        [verdicts[name], messages[name]] = await verdict(() =>
          reader.readManifestText(text),
        );
      }
      const loaded = {};
      for (const url of loads) {
        [loaded[url], messages[url]] = await verdict(() =>
          reader.Decoder.load(url),
        );
      }
      return { verdicts, loads: loaded, messages };
    },
    [examples, spec.loads ?? []],
  );
  console.log(JSON.stringify({ ...report, page_errors: pageErrors }));
} finally {
  await browser.close();
}
