// ESLint for the project's own JavaScript: the browser page
// (sampler/keras_vae_sampler/web/, not its vendored runtimes) and the Node
// scripts that drive Chromium in tests and benchmarks. Run by `make lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: [
      "**/vendor/**",
      "node_modules/**",
      "site/**",
      ".venv*/**",
      "runs/**",
    ],
  },
  js.configs.recommended,
  {
    files: ["sampler/keras_vae_sampler/web/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["tests/browser/**/*.mjs", "bench/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
