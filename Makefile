# `make demo`: set up and run the main job. `make test`: set up and run the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_DIR ?= runs/demo
# The exported decoder's pictures, beside the run (train --overwrite replaces
# only what a run wrote).
SAMPLES_DIR ?= $(RUN_DIR)-samples
EPOCHS ?= 30

.PHONY: presets setup demo test test-device lint format clean bench-clients bench-export bench-train bench-quality bench-quality-iwae bench-quality-record bench-samples bench-peers notebooks browser-deps bench-browser docs docs-build

$(BIN)/.installed: pyproject.toml sampler/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./sampler -e ".[export,notebooks,dev,docs]"
	touch $@

setup: $(BIN)/.installed

demo: $(RUN_DIR)/exported/manifest.json  # the main job; remove $(RUN_DIR) to train anew
	for runtime in tflite onnx savedmodel; do \
	  TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/keras-vae sample $(RUN_DIR)/exported --runtime $$runtime \
	    -n 64 --seed 0 --out $(SAMPLES_DIR)/$$runtime.png --overwrite || exit 1; \
	done
	TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/keras-vae sample $(RUN_DIR)/exported --runtime tflite \
	  --format tflite-w8 --latent gmm -n 64 --seed 0 --out $(SAMPLES_DIR)/gmm_tflite-w8.png --overwrite

$(RUN_DIR)/model.keras: | setup
	TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/keras-vae train --epochs $(EPOCHS) --output-dir $(RUN_DIR) --overwrite

$(RUN_DIR)/exported/manifest.json: $(RUN_DIR)/model.keras
	TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/keras-vae export $(RUN_DIR)/model.keras $(RUN_DIR)/exported --overwrite --uint8

presets: setup  # train and build the presets that ship (sampler/keras_vae_sampler/presets/); about 10 minutes
	$(BIN)/python tools/make_presets.py

bench-export: $(RUN_DIR)/model.keras
	$(BIN)/python -m bench.export_benchmark --model $(RUN_DIR)/model.keras --json bench/results/export_benchmark.json

bench-train: setup bench-peers
	$(BIN)/python -m bench.train_throughput --json bench/results/train_throughput.json --pythae-python .venv-pythae/bin/python

bench-peers: .venv-pythae/bin/python  # pythae + PyTorch (CPU), kept apart from TensorFlow
.venv-pythae/bin/python:
	$(PYTHON) -m venv .venv-pythae
	.venv-pythae/bin/pip install -q torch==2.13.0 pythae

bench-browser: $(RUN_DIR)/exported/manifest.json browser-deps
	$(BIN)/python -m bench.browser_benchmark --export-dir $(RUN_DIR)/exported --json bench/results/browser_benchmark.json

bench-clients: setup browser-deps .venv-openvino/bin/python .venv-tfjs/tensorflowjs  # which exported files OpenVINO and TF.js run
	$(BIN)/python -m bench.openvino_clients --prepare --export-dir runs/clients/exported --cases runs/clients/cases.npz
	.venv-openvino/bin/python -m bench.openvino_clients --export-dir runs/clients/exported --cases runs/clients/cases.npz --json bench/results/openvino_clients.json
	$(BIN)/python -m bench.tfjs_clients --tfjs-path .venv-tfjs --work-dir runs/clients/tfjs --json bench/results/tfjs_clients.json

.venv-tfjs/tensorflowjs:  # the TF.js converter and what it imports, without their pins (see bench/tfjs_clients.py)
	$(BIN)/pip install -q --no-deps --target .venv-tfjs tensorflowjs==4.22.0 tf-keras==2.21.0 tensorflow-hub==0.16.1 jax==0.10.2 jaxlib==0.10.2

.venv-openvino/bin/python:  # OpenVINO and numpy only, kept apart from TensorFlow
	$(PYTHON) -m venv .venv-openvino
	.venv-openvino/bin/pip install -q numpy openvino==2026.4.1

bench-samples: setup
	$(BIN)/python -m bench.sample_quality --json bench/results/sample_quality.json

bench-quality: setup
	$(BIN)/python -m bench.quality --runs wide:60,burda:60,default:60 --json bench/results/quality.json

bench-quality-iwae: setup  # four hours: IWAE k=5 and 50, with and without DReG
	$(BIN)/python -m bench.iwae_step_cost --json bench/results/iwae_step_cost.json
	$(BIN)/python -m bench.quality --batch-size 64 --runs wide+iwae5-dreg:60,wide+iwae50-dreg:60,wide+iwae5:60,wide+iwae50:60 --json bench/results/quality.json

# The best recipe of #14: IWAE k=5 with DReG, weight decay on the encoder only.
RECORD_RUN := -m bench.quality --batch-size 64 --weight-decay 0.05 --weight-decay-on encoder --runs wide+iwae5-dreg:60 --json bench/results/quality.json

bench-quality-record: setup  # two hours: the best recipe, training seeds 0 and 1
	$(BIN)/python $(RECORD_RUN)
	$(BIN)/python $(RECORD_RUN) --seed 1

notebooks: setup
	$(BIN)/python -m tools.run_notebooks

# The documentation site (mkdocs.yml, docs/): `make docs` serves it on
# http://127.0.0.1:8000/ and rebuilds on changes; `make docs-build` builds it
# into site/, strictly: a broken link, anchor or reference fails.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

docs-build: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# JavaScript: the page (not its vendored runtimes) and the Node scripts of
# tests/browser and bench, with ESLint (eslint.config.js) and Prettier.
JS_FILES := sampler/keras_vae_sampler/web/*.js tests/browser/*.mjs bench/*.mjs eslint.config.js

lint: setup node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx --no-install eslint $(JS_FILES)
	npx --no-install prettier --check $(JS_FILES)

# The browser tests need Debian's chromium and Node's npm (installed with
# apt-get when missing and make runs as root, as on CI; otherwise it stops
# and says what to install) and the npm packages of package-lock.json
# (playwright-core, onnxruntime-web).
APT_INSTALL = [ "$$(id -u)" = 0 ] || { echo "Missing $(1): install it (sudo apt-get install $(1)) or run make as root, which installs it" >&2; exit 1; }; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1)

/usr/bin/chromium:
	$(call APT_INSTALL,chromium)

node_modules/.package-lock.json: package.json package-lock.json
	command -v npm >/dev/null || { $(call APT_INSTALL,nodejs npm); }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

browser-deps: /usr/bin/chromium node_modules/.package-lock.json

test: lint docs-build browser-deps test-device
	TF_CPP_MIN_LOG_LEVEL=2 $(BIN)/python -m pytest

# The device package alone, as a device installs it: a fresh venv with
# keras-vae-sampler and its runtimes (no TensorFlow, no Keras), its tests run
# against the installed wheel, not the source folder.
DEVICE_VENV ?= .venv-device
DEVICE_BIN := $(DEVICE_VENV)/bin

$(DEVICE_BIN)/.installed: sampler/pyproject.toml $(shell find sampler/keras_vae_sampler -type f -not -name '*.pyc')
	rm -rf $(DEVICE_VENV)
	$(PYTHON) -m venv $(DEVICE_VENV)
	$(DEVICE_BIN)/python -m pip install --quiet --upgrade pip
	$(DEVICE_BIN)/python -m pip install --quiet "./sampler[litert,onnx,test]"
	touch $@

test-device: $(DEVICE_BIN)/.installed
	cd /tmp && ! $(CURDIR)/$(DEVICE_BIN)/python -c "import tensorflow" 2>/dev/null || \
	  { echo "tensorflow is importable in $(DEVICE_VENV)"; exit 1; }
	cd /tmp && ! $(CURDIR)/$(DEVICE_BIN)/python -c "import keras" 2>/dev/null || \
	  { echo "keras is importable in $(DEVICE_VENV)"; exit 1; }
	cd /tmp && $(CURDIR)/$(DEVICE_BIN)/python -c "import keras_vae_sampler as k; \
	  assert 'site-packages' in k.__file__, k.__file__; print('installed:', k.__file__)"
	cd sampler && $(CURDIR)/$(DEVICE_BIN)/pytest -q -p no:cacheprovider tests

format: setup node_modules/.package-lock.json
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	npx --no-install prettier --write $(JS_FILES)

clean:
	rm -rf $(VENV) $(DEVICE_VENV) .venv-openvino .venv-tfjs .venv-pythae runs build dist *.egg-info .pytest_cache .ruff_cache node_modules site .cache
