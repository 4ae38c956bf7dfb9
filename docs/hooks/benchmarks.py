"""MkDocs hook: the benchmark pages read their numbers from bench/results/*.json.

Each page of docs/benchmarks/ is a Jinja template: prose written by hand,
every number read from the committed results. Each results file is a
variable named after it (`quality` is bench/results/quality.json); the
filters are `fmt(spec)` (a format spec: `fmt(".2f")`), `count` (thousands
separators), `sci` (`2e-7`) and `pct` (`36%`); `table("name")` inserts one
of the tables below (`table_<name>`), `headline()` the headline numbers,
`pick(items, field=value)` the one item of a list that matches and
`with_note(text)` the earlier quality run whose note holds `text`. A missing
file, key or table stops the build with the page's name.

The README's table of headline numbers is generated here too, from the same
files: the build fails when it differs from what the results say, and
`python docs/hooks/benchmarks.py` rewrites it in README.md.
"""

import json
import logging
import re
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
PAGES = "benchmarks/"
README_START = (
    "<!-- benchmarks: generated from bench/results/*.json by "
    "docs/hooks/benchmarks.py; `python docs/hooks/benchmarks.py` rewrites it -->"
)
README_END = "<!-- /benchmarks -->"
log = logging.getLogger("mkdocs.hooks.benchmarks")

# The page of docs/benchmarks/ that shows each results file; the first
# benchmark page lists them all, and those without a page.
SHOWN_ON = {
    "browser_benchmark": "browser.md",
    "conditional_beta3": "samples.md",
    "conv_profile": "training.md",
    "default_sweep": "samples.md",
    "device_footprint": "device.md",
    "export_benchmark": "export.md",
    "input_pipeline": "input_pipeline.md",
    "iwae_dreg_smoke": "quality.md",
    "iwae_dreg_smoke_seed1": "quality.md",
    "iwae_step_cost": "training.md",
    "openvino_clients": "clients.md",
    "preset_first_page": "device.md",
    "preset_quality": "samples.md",
    "quality": "quality.md",
    "quality_iwae_proxies": "quality.md",
    "quality_smoke": "quality.md",
    "quantisation_recipes": "samples.md",
    "sample_quality": "samples.md",
    "tfjs_clients": "clients.md",
    "train_throughput": "training.md",
}


class BenchmarkError(Exception):
    pass


def load_results():
    return {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))}


# Formats and table helpers.


def fmt(value, spec):
    return format(value, spec)


def count(value):
    return f"{value:,.0f}"


def sci(value, digits=0):
    """`2e-7`, `1.1e-3`: a compact scientific notation; 0 stays `0`."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def small(value):
    """An error: `0.0995`, `0.0014` from 1e-3 up, `2e-7` below."""
    return f"{value:.3g}" if value >= 1e-3 else sci(value)


def pct(value, digits=0):
    return f"{100 * value:.{digits}f}%"


def pick(items, **fields):
    """The one item of `items` whose fields have these values (for `note`:
    a part of the item's note)."""

    def matches(item):
        return all(
            value in item.get(name, "") if name == "note" else item.get(name) == value
            for name, value in fields.items()
        )

    found = [item for item in items if matches(item)]
    if len(found) != 1:
        raise BenchmarkError(f"{len(found)} results match {fields}, not one")
    return found[0]


def markdown_table(header, rows):
    def line(cells):
        return "| " + " | ".join(str(cell) for cell in cells) + " |"

    lines = [line(header), line(["---"] * len(header))]
    return "\n".join(lines + [line(cells) for cells in rows])


def code(name):
    return f"`{name}`"


def bold_if(text, condition):
    return f"**{text}**" if condition else text


# Quality (bench/quality.py).


def run_label(run, name):
    arch = run["architecture"]
    layers = [784, *arch["hidden_units"], arch["latent_dim"]]
    parts = ["-".join(map(str, layers)) + " " + arch["activation"]]
    if run.get("objective", "elbo") == "iwae":
        dreg = "DReG" if run["dreg"] else "no DReG"
        parts.append(f"IWAE k={run['importance_samples']}, {dreg}")
    else:
        parts.append("ELBO")
    if "batch_size" in run:
        parts.append(f"batch {run['batch_size']}")
    if "learning_rate" in run:
        start = run["learning_rate"]
        end = run.get("final_learning_rate") or start / 10
        parts.append(f"rate {sci(start)} -> {sci(end)}")
    if run.get("weight_decay"):
        where = run.get("weight_decay_on", "kernels")
        parts.append(f"weight decay {run['weight_decay']:g} ({where})")
    if run.get("ema_momentum"):
        parts.append(f"weight average {run['ema_momentum']:g}")
    if run.get("seed"):
        parts.append(f"seed {run['seed']}")
    return f"{code(name)}: " + ", ".join(parts)


def nll(run):
    return f"{run['test_nll_iwae']:.2f} (+-{run['test_nll_iwae_stderr']:.2f})"


def active(run):
    return f"{run['active_units']} / {run['architecture']['latent_dim']}"


def test_bound(run):
    if "test_negative_bound" in run:
        return f"{run['test_negative_bound']:.2f}"
    if "test_negative_elbo" in run:
        return f"not kept (test -ELBO {run['test_negative_elbo']:.2f})"
    return "-"


def table_quality_elbo(r):
    quality = r["quality"]
    rows = [
        (
            run_label(x, name),
            f"{x['budget_minutes']:g} min",
            x["epochs"],
            nll(x),
            f"{x['test_negative_elbo']:.2f}",
            active(x),
        )
        for name, x in quality["runs"].items()
        if x.get("objective", "elbo") == "elbo"
    ]
    anchors = quality["anchors"]
    published = (
        ("VAE, 1 layer, k=5000", "3,280 epochs", "burda_vae_1_layer_k5000"),
        ("VAE, 2 layers", "", "burda_vae_2_layers"),
        ("IWAE k=50, 1 layer", "", "burda_iwae_k50_1_layer"),
    )
    for label, budget, key in published:
        rows.append((f"published: Burda et al. {label}", budget, "", anchors[key]))
    header = (
        "run",
        "training budget",
        "epochs",
        "test NLL, IWAE k=5000 (nats)",
        "test -ELBO (nats)",
        "active units",
    )
    return markdown_table(header, [(*row, "", "")[:6] for row in rows])


def table_quality_iwae(r):
    quality = r["quality"]
    runs = [
        (name, x, "")
        for name, x in quality["runs"].items()
        if x.get("objective") == "iwae"
    ]
    runs += [(x["name"], x, x.get("note", "")) for x in quality["earlier_runs"]]
    rows = [
        (
            run_label(x, name),
            f"{x['budget_minutes']:g} min",
            x["epochs"],
            count(x["steps"]),
            f"{x['seconds_per_step']:.4f}",
            nll(x),
            test_bound(x),
            active(x),
            note or ("" if "machine" in x else "CPU not recorded"),
        )
        for name, x, note in runs
    ]
    header = (
        "run",
        "training budget",
        "epochs",
        "steps",
        "s / step",
        "test NLL, IWAE k=5000 (nats)",
        "test negative bound, training k (nats)",
        "active units",
        "note",
    )
    return markdown_table(header, rows)


def table_quality_proxies(r):
    rows = [
        (
            x["batch_size"],
            f"{x['learning_rate']:g}",
            x["epochs"],
            count(x["steps"]),
            nll(x),
            x["active_units"],
        )
        for x in r["quality_iwae_proxies"]["runs"]
    ]
    header = (
        "batch",
        "starting rate",
        "epochs",
        "steps",
        "test NLL, k=1000, 2,000 images (nats)",
        "active units",
    )
    return markdown_table(header, rows)


def table_quality_smoke(r):
    rows = [
        (
            run_label(x, name),
            f"{x['train_seconds']:.0f} s",
            x["epochs"],
            x["steps"],
            f"{x['seconds_per_step']:.3f}",
            f"{x['test_nll_iwae']:.1f}",
        )
        for name, x in r["quality_smoke"]["runs"].items()
    ]
    header = (
        "run",
        "training time",
        "epochs",
        "steps",
        "s / step",
        "test NLL, k=1000 (nats)",
    )
    return markdown_table(header, rows)


def table_dreg(r):
    seeds = (r["iwae_dreg_smoke"], r["iwae_dreg_smoke_seed1"])
    rows = []
    for x in seeds[0]:
        same = [pick(runs, k=x["k"], dreg=x["dreg"]) for runs in seeds]
        rows.append(
            (
                x["k"],
                "DReG" if x["dreg"] else "plain IWAE",
                x["steps"],
                " / ".join(f"{y['seconds_per_step']:.3f}" for y in same),
                " / ".join(f"{y['test_nll_iwae']:.1f}" for y in same),
                " / ".join(f"{y['encoder_gradient_snr_median']:.2f}" for y in same),
            )
        )
    header = (
        "k",
        "encoder gradient",
        "steps",
        "s / step, seeds 0 / 1",
        "test NLL (nats), seeds 0 / 1",
        "encoder gradient SNR (median), seeds 0 / 1",
    )
    return markdown_table(header, rows)


# What the device draws (bench/sample_quality.py, quantisation_recipes.py,
# preset_quality.py).

SAMPLE_FORMATS = (
    "keras",
    "tflite",
    "tflite-fp16",
    "tflite-int8",
    "tflite-w8",
    "tflite-w4",
    "onnx",
    "savedmodel",
)
FORMAT_NOTES = {
    "tflite": "float32",
    "tflite-int8": "dynamic range",
    "tflite-w8": "int8 weights only",
    "tflite-w4": "int4 weights only",
}


def format_label(name):
    label = "Keras" if name == "keras" else code(name)
    return f"{label} ({FORMAT_NOTES[name]})" if name in FORMAT_NOTES else label


def quality_cells(q):
    return (
        f"{q['completeness']:.3f}, {q['frechet_distance']:.2f}, "
        f"{q['precision']:.3f}, {q['recall']:.3f}"
    )


def table_sample_formats(r):
    formats = r["sample_quality"]["formats"]
    base = formats["tflite"]["size_bytes"]
    rows = []
    for name in (n for n in SAMPLE_FORMATS if n in formats):
        x = formats[name]
        size, errors, graph = "-", "-", "-"
        if "size_bytes" in x:
            size = f"{count(x['size_bytes'])} B"
            if x["size_bytes"] < 0.9 * base:
                size += f" ({x['size_bytes'] / base:.2f}x)"
        if "max_error" in x:
            errors = f"{small(x['max_error'])} / {small(x['mean_error'])}"
        if "graph" in x:
            graph = quality_cells(x["graph"])
        prior, gmm = quality_cells(x["prior"]), quality_cells(x["gmm"])
        rows.append((format_label(name), size, errors, prior, gmm, graph))
    header = (
        "format",
        "size",
        "max / mean error",
        "prior: completeness, Fréchet, precision, recall",
        "mixture: completeness, Fréchet, precision, recall",
        "sampling graph (mixture): the same",
    )
    return markdown_table(header, rows)


def table_sample_components(r):
    quality = r["sample_quality"]
    chosen = quality["chosen_components"]
    rows = [
        (
            bold_if(x["num_components"], x["num_components"] == chosen),
            f"{x['fit_seconds']:.1f} s",
            f"{x['completeness']:.3f}",
            f"{x['frechet_distance']:.2f}",
            f"{x['precision']:.3f}",
            f"{x['recall']:.3f}",
        )
        for x in quality["components"]
    ]
    header = (
        "components K (default in bold)",
        "fit",
        "completeness",
        "Fréchet",
        "precision",
        "recall",
    )
    return markdown_table(header, rows)


def accuracy(cell):
    mean, worst = cell["label_accuracy"], cell["label_accuracy_min"]
    return f"{mean:.3f} (worst {worst:.3f})"


def label_accuracy_table(label_accuracy):
    rows = []
    for name in (n for n in SAMPLE_FORMATS if n in label_accuracy):
        x = label_accuracy[name]
        graph = accuracy(x["graph"]) if "graph" in x else "-"
        rows.append(
            (format_label(name), accuracy(x["prior"]), accuracy(x["gmm"]), graph)
        )
    header = (
        "source",
        "prior N(0, I)",
        "per-class mixture",
        "sampling graph (mixture)",
    )
    return markdown_table(header, rows)


def table_conditional_beta1(r):
    return label_accuracy_table(r["sample_quality"]["conditional"]["label_accuracy"])


def table_conditional_beta3(r):
    return label_accuracy_table(r["conditional_beta3"]["label_accuracy"])


def table_quantisation(r):
    rows = [
        (
            name,
            f"{count(x['size_bytes'])} B ({x['size_ratio']:.3f}x)",
            f"{small(x['max_error'])} / {small(x['mean_error'])}",
            quality_cells(x["gmm"]),
            "yes" if x["qualifies"] else "no",
        )
        for name, x in r["quantisation_recipes"]["recipes"].items()
    ]
    header = (
        "recipe",
        "size",
        "max / mean error",
        "mixture: completeness, Fréchet, precision, recall",
        "qualifies",
    )
    return markdown_table(header, rows)


def table_default_sweep(r):
    rows = []
    for name, x in r["default_sweep"]["points"].items():
        overrides = ", ".join(f"{k}={v}" for k, v in x["overrides"].items())
        seconds = x["train_seconds"]
        nll = x.get("test_nll")
        device = (
            (f"{count(x['decoder_bytes'])} B", quality_cells(x["graph"]))
            if "graph" in x
            else ("-", "export refused by the parity gate")
        )
        rows.append(
            (
                code(name),
                overrides or "(the defaults)",
                f"{x['test_negative_elbo']:.2f}",
                "-" if nll is None else f"{nll['nll']:.2f}",
                "-" if seconds is None else f"{seconds:.0f}",
                *device,
                f"{x['prior']['completeness']:.3f}" if "prior" in x else "-",
            )
        )
    header = (
        "point",
        "options",
        "test -ELBO (nats)",
        "test NLL (nats, k = 1,000)",
        "training (s)",
        "tflite-int8 decoder",
        "sampling graph: completeness, Fréchet, precision, recall",
        "prior: completeness",
    )
    return markdown_table(header, rows)


def table_presets(r):
    def cells(x):
        if "completeness" in x:
            return f"{x['completeness']:.3f}, {x['frechet_distance']:.2f}"
        return accuracy(x)

    rows = []
    for name, preset in r["preset_quality"]["presets"].items():
        elbo = f"{preset['training']['metrics']['test_negative_elbo']:.2f}"
        for format_name, x in preset["formats"].items():
            sizes = f"{count(x['decoder_bytes'])} B / {count(x['sampler_bytes'])} B"
            prior, graph = cells(x["prior"]), cells(x["graph"])
            rows.append((code(name), elbo, code(format_name), sizes, prior, graph))
    header = (
        "preset",
        "test -ELBO (nats)",
        "format",
        "decoder / sampling graph",
        "prior: completeness, Fréchet (conditional: label accuracy)",
        "sampling graph (mixture): the same",
    )
    return markdown_table(header, rows)


# Training throughput (bench/train_throughput.py, conv_profile.py,
# iwae_step_cost.py).

MODEL_LABELS = {"mlp": "MLP 784-512-16", "conv": "conv (32, 64 filters)"}


def settings_name(cell):
    jit = "XLA" if cell["jit_compile"] else "off"
    return f"{jit} / {cell['steps_per_execution']}"


def settings_table(grids, defaults, titles):
    """Rows: settings; columns: models; the default's cell in bold."""
    cells = list(next(iter(grids.values())))
    rows = [
        (
            cell,
            *[bold_if(count(grids[n][cell]), defaults[n] == cell) for n in grids],
        )
        for cell in cells
    ]
    header = ("jit_compile / steps per execution", *[titles[n] for n in grids])
    return markdown_table(header, rows)


def table_train_throughput(r):
    rows = []
    for name, m in r["train_throughput"]["models"].items():
        share = m["keras_vae"]["fraction_of_peak"]
        shares = [pct(share[k]) for k in ("tensorflow_matmul", "numpy_sgemm")]
        shares.append(pct(share["theoretical"]))
        rows.append(
            (
                MODEL_LABELS.get(name, name),
                f"{m['training_flops_per_image'] / 1e6:.2f}",
                count(m["keras_vae"]["images_per_s"]),
                count(m["keras_io_reference"]["images_per_s"]),
                count(m["pythae"]["images_per_s"]),
                f"{m['speedup_vs_reference']:.2f}x / {m['speedup_vs_pythae']:.2f}x",
                " / ".join(shares),
            )
        )
    header = (
        "model",
        "training MFLOP/image",
        "keras-vae, default compile (images/s)",
        "keras.io-style",
        "pythae (PyTorch)",
        "vs keras.io / vs pythae",
        "share of peak: TF matmul / numpy / theoretical",
    )
    return markdown_table(header, rows)


def table_train_settings(r):
    models = r["train_throughput"]["models"]
    grids = {
        name: {settings_name(c): c["images_per_s"] for c in m["settings_grid"]}
        for name, m in models.items()
    }
    defaults = {n: settings_name(m["keras_vae"]["settings"]) for n, m in models.items()}
    titles = {n: f"{MODEL_LABELS.get(n, n)} (images/s)" for n in models}
    return settings_table(grids, defaults, titles)


def table_iwae_settings(r):
    grid = r["iwae_step_cost"]["settings_grid"]
    grids = {
        name: {settings_name(c): c["images_per_s"] for c in x["cells"]}
        for name, x in grid.items()
    }
    defaults = {n: settings_name(x["default_settings"]) for n, x in grid.items()}
    titles = {n: f"{code(n)} (images/s)" for n in grid}
    return settings_table(grids, defaults, titles)


def table_iwae_batches(r):
    sizes = r["iwae_step_cost"]["batch_sizes"]

    def cell(x):
        return f"{count(x['images_per_s'])} ({x['seconds_per_step']:.4f} s)"

    batches = list(next(iter(sizes.values())))
    rows = [(batch, *[cell(x[batch]) for x in sizes.values()]) for batch in batches]
    header = ("batch", *[f"{code(n)}: images/s (s / step)" for n in sizes])
    return markdown_table(header, rows)


def table_conv_ops(r, top=8):
    ops = r["conv_profile"]["profile"]["by_op_type"][:top]
    rows = [(code(x["name"]), pct(x["share_of_op_time"])) for x in ops]
    return markdown_table(("op kernel (largest)", "share of op time"), rows)


def table_conv_layers(r):
    layers = r["conv_profile"]["profile"]["by_layer"]
    rows = [
        (code(x["name"]), pct(x["share_of_op_time"]))
        for x in layers
        if x["share_of_op_time"] >= 0.01
    ]
    return markdown_table(("layer (1% and more)", "share of op time"), rows)


def table_conv_options(r):
    profile = r["conv_profile"]
    options = profile["options"]
    default = next(v for k, v in options.items() if k.startswith("default"))
    rows = [
        (
            name,
            count(x["images_per_s"]),
            f"{x['images_per_s'] / default['images_per_s']:.2f}x",
        )
        for name, x in options.items()
    ]
    rows += [
        (name, "", f"{x['ratio']:.2f}x (in turns, separate processes)")
        for name, x in profile["start_up_options"].items()
    ]
    return markdown_table(("setting", "images/s", "vs the default"), rows)


# Exported decoder, browser, device (bench/export_benchmark.py,
# browser_benchmark.py, device_footprint.py).


def table_export(r):
    rows = []
    for name, x in r["export_benchmark"]["results"].items():
        size = x["size_bytes"]
        change = x.get("test_nll_change_nats")
        rows.append(
            (
                name,
                "-" if size is None else f"{size / 1e6:.3f}",
                f"{x['batch1_latency_us']:.1f}",
                count(x["batch256_samples_per_s"]),
                f"{x['batch256_gflops']:.1f}",
                sci(x["max_abs_error"], 1),
                sci(x["mean_abs_error"], 1) if "mean_abs_error" in x else "-",
                "-" if change is None else f"{change:+.3f}",
            )
        )
    header = (
        "runtime / format",
        "size (MB)",
        "batch-1 latency (us)",
        "batch-256 samples/s",
        "GFLOP/s",
        "max error",
        "mean error",
        "test NLL change (nats)",
    )
    return markdown_table(header, rows)


def table_browser(r):
    b = r["browser_benchmark"]
    pages, machine = list(b["pages"]), b["machine"]

    def title(page):
        runtime, threads = page.split(":")
        if runtime == "ort":
            name = f"onnxruntime-web {machine['onnxruntime_web']}"
        else:
            name = f"LiteRT.js {machine['litertjs']} (wasm)"
        return f"{name}, {threads} thread{'' if threads == '1' else 's'}"

    first, repeat = b["first_image_ms"], b["first_image_repeat_visit_ms"]
    wasm, python = b["browser_wasm"], b["python_onnxruntime"]["1"]

    def visits(p):
        return (
            f"{first[p]['median']:.0f} ms ({first[p]['min']:.0f}-{first[p]['max']:.0f})"
        )

    def batch1(p):
        return (
            f"{wasm[p]['batch1_ms_median']:.3f} ms; {wasm[p]['batch1_ms_mean']:.2f} ms"
        )

    def batch64(x):
        return f"{count(x['batch64_images_per_s'])} images/s"

    rows = [
        ("first image, new visit (median; min-max)", *map(visits, pages), "-"),
        (
            "first image, repeat visit (median)",
            *[f"{repeat[p]['median']:.0f} ms" for p in pages],
            "-",
        ),
        (
            "decode batch 1 (median; mean)",
            *map(batch1, pages),
            f"{python['batch1_ms_median']:.3f} ms",
        ),
        ("decode batch 64", *[batch64(wasm[p]) for p in pages], batch64(python)),
    ]
    python_title = f"Python onnxruntime {machine['onnxruntime']}, 1 thread"
    return markdown_table(("measure", *map(title, pages), python_title), rows)


def table_device(r):
    footprint = r["device_footprint"]
    first = footprint["first_image"]
    runtimes = {
        "keras-vae-sampler[litert]": "tflite",
        "keras-vae-sampler[litert,onnx]": "onnx",
    }
    rows = []
    for name, size in footprint["installed_bytes"].items():
        if name == "empty venv":
            continue
        timing = ""
        if runtimes.get(name) in first:
            runtime = runtimes[name]
            x = first[runtime]
            timing = (
                f"{x['import_to_first_image_s']:.2f} s ({runtime}), "
                f"{x['process_to_first_image_s']:.2f} s with interpreter start"
            )
        rows.append((code(name), f"{count(size / 1e6)} MB", timing))
    header = ("install", "on disk", "import to first image (median of 7)")
    return markdown_table(header, rows)


# Input pipeline and clients (bench/input_pipeline.py, openvino_clients.py,
# tfjs_clients.py).


def table_input_pipeline(r):
    pipeline = r["input_pipeline"]["pipeline"]
    step = r["input_pipeline"]["conv_training_images_per_second"]
    scan = pipeline["scan_images_per_second"]
    first = pipeline["first_epoch_images_per_second"]
    cached = pipeline["cached_epoch_images_per_second"]
    rows = [
        (
            "up-front check (Pillow, every file)",
            f"{count(scan)} ({pipeline['scan_seconds']:.1f} s)",
            "once per run",
        ),
        (
            "pipeline, first epoch (read, decode, cache)",
            count(first),
            f"{first / step:.1f}x",
        ),
        ("pipeline, later epochs (cache)", count(cached), f"{cached / step:.0f}x"),
        ("conv VAE training step (32x32x3)", count(step), "1x"),
    ]
    return markdown_table(("stage", "images/s", "vs a conv training step"), rows)


def table_digits(r):
    rows = [
        (
            name,
            f"{x['seconds']:.0f} s",
            ", ".join(f"{k} {v}" for k, v in x["exit_codes"].items()),
            f"{x['validation_negative_elbo']:.1f}",
            len(x["formats"]),
            len(x["class_names"]),
        )
        for name, x in r["input_pipeline"]["digits"].items()
        if isinstance(x, dict)
    ]
    header = (
        "architecture",
        "time",
        "exit codes",
        "validation -ELBO (nats)",
        "formats",
        "classes",
    )
    return markdown_table(header, rows)


def _openvino_verdict(x):
    if x["runs"]:
        return f"yes, within {sci(x['max_abs_error'], 1)}"
    check = re.search(r"Check '.*?' failed", x["error"])
    reason = check.group(0) if check else x["error"].strip()[:80]
    return f"**no**: {reason}".replace("|", "/")


def table_openvino(r):
    results = r["openvino_clients"]["results"]
    configs = list(results)
    rows = [
        (code(name), code(x["file"]))
        + tuple(_openvino_verdict(results[c][name]) for c in configs)
        for name, x in results[configs[0]].items()
    ]
    header = ("model/artifact", "file") + tuple(f"OpenVINO, {c}" for c in configs)
    return markdown_table(header, rows)


def table_tfjs(r):
    rows = []
    for backend, results in r["tfjs_clients"]["results"].items():
        for name, x in results.items():
            errors = ", ".join(
                f"{output} {sci(value, 1)}"
                for output, value in x["max_abs_error"].items()
            )
            rows.append((backend, code(name), "yes" if x["ok"] else "no", errors))
    header = ("backend", "artifact", "runs", "largest error per output")
    return markdown_table(header, rows)


def table_results_files(r):
    rows = []
    for stem in r:
        page = SHOWN_ON.get(stem)
        shown = f"[{page[:-3].replace('_', ' ')}]({page})" if page else "no page yet"
        rows.append((code(f"bench/results/{stem}.json"), shown))
    return markdown_table(("results file", "shown on"), rows)


# The headline numbers (README.md and the first benchmark page).


def headline_rows(r, prefix):
    runs = r["quality"]["runs"]
    best_name, best = min(runs.items(), key=lambda item: item[1]["test_nll_iwae"])
    mlp = r["train_throughput"]["models"]["mlp"]
    keras = r["sample_quality"]["formats"]["keras"]
    beta3 = r["conditional_beta3"]["label_accuracy"]["keras"]["gmm"]
    exported = r["export_benchmark"]
    browser = r["browser_benchmark"]["first_image_ms"]
    device = r["device_footprint"]
    sizes = device["installed_bytes"]
    first_page = r["preset_first_page"]
    return [
        (
            f"[Test NLL, binarised MNIST]({prefix}quality.md), "
            "IWAE k = 5000, 1 h of training",
            f"{best['test_nll_iwae']:.2f} nats ({code(best_name.split()[0])}, "
            f"goal {r['quality']['anchors']['goal']})",
        ),
        (
            f"[Training throughput]({prefix}training.md), default MLP VAE",
            f"{count(mlp['keras_vae']['images_per_s'])} images/s "
            f"({mlp['speedup_vs_reference']:.2f}x keras.io-style, "
            f"{mlp['speedup_vs_pythae']:.2f}x pythae)",
        ),
        (
            f"[Samples read as a digit]({prefix}samples.md), prior -> mixture",
            f"{keras['prior']['completeness']:.3f} -> "
            f"{keras['gmm']['completeness']:.3f}, the same on device",
        ),
        (
            f"[Conditional VAE draws the asked digit]({prefix}samples.md), "
            "beta 3, mixture",
            f"{beta3['label_accuracy']:.3f} (worst class "
            f"{beta3['label_accuracy_min']:.2f})",
        ),
        (
            f"[Exported int8 LiteRT decoder]({prefix}export.md)",
            f"{exported['goals']['int8_size_ratio']:.2f}x the float32 size, "
            f"{exported['results']['tflite-int8']['batch1_latency_us']:.1f} us "
            "at batch 1",
        ),
        *small_decoder_rows(r, prefix),
        (
            f"[The page's first image]({prefix}browser.md)",
            f"{browser['ort:1']['median']:.0f} ms (onnxruntime-web), "
            f"{browser['litert:1']['median']:.0f} ms (LiteRT.js)",
        ),
        (
            f"[Device install]({prefix}device.md), {code('keras-vae-sampler[litert]')}",
            f"{sizes['keras-vae-sampler[litert]'] / 1e6:.0f} MB (with TensorFlow: "
            f"{count(sizes['keras-vae[export]'] / 1e6)} MB), first image "
            f"{device['first_image']['tflite']['import_to_first_image_s']:.2f} s",
        ),
        (
            f"[From `pip install` to a page of samples]({prefix}device.md)",
            f"{first_page['total_s']:.1f} s (preset {code(first_page['preset'])})",
        ),
    ]


def small_decoder_rows(r, prefix):
    """The smallest shipped decoder's row, once preset_quality has it."""
    small = r["preset_quality"]["presets"].get("mnist_small")
    if small is None:
        return []
    int8 = small["formats"]["tflite-int8"]
    return [
        (
            f"[Smallest decoder]({prefix}samples.md#presets), preset "
            f"{code('mnist_small')}, int8",
            f"{int8['decoder_bytes'] / 1000:.0f} KB, samples read as a digit "
            f"{int8['graph']['completeness']:.3f} (real test digits "
            f"{r['preset_quality']['test_digits']['completeness']:.3f})",
        )
    ]


def headline_table(results, prefix):
    return markdown_table(("measure", "result"), headline_rows(results, prefix))


def readme_block(results):
    table = headline_table(results, "docs/benchmarks/")
    return f"{README_START}\n{table}\n{README_END}"


def readme_span(text):
    if README_START not in text or README_END not in text:
        raise BenchmarkError(
            f"README.md lost its benchmark table markers: {README_START}"
        )
    return text.index(README_START), text.index(README_END) + len(README_END)


def check_readme(results):
    text = README.read_text()
    start, end = readme_span(text)
    if text[start:end] != readme_block(results):
        log.warning(
            "README.md's benchmark table differs from bench/results/*.json; "
            "run `python docs/hooks/benchmarks.py` to rewrite it"
        )


def write_readme(results):
    text = README.read_text()
    start, end = readme_span(text)
    README.write_text(text[:start] + readme_block(results) + text[end:])


TABLES = {
    name.removeprefix("table_"): function
    for name, function in dict(globals()).items()
    if name.startswith("table_")
}


def render(markdown, results, page_name):
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters.update(fmt=fmt, count=count, sci=sci, pct=pct)

    def table(name):
        if name not in TABLES:
            raise BenchmarkError(f"no table {name!r}; known: {sorted(TABLES)}")
        return TABLES[name](results)

    context = dict(
        results,
        table=table,
        headline=lambda: headline_table(results, ""),
        pick=pick,
        with_note=lambda text: pick(results["quality"]["earlier_runs"], note=text),
    )
    try:
        return environment.from_string(markdown).render(context)
    except (BenchmarkError, jinja2.TemplateError, LookupError, TypeError) as error:
        raise BenchmarkError(f"docs/{page_name}: {error}") from None


def on_pre_build(config):
    from mkdocs.exceptions import PluginError

    try:
        check_readme(load_results())
    except (BenchmarkError, LookupError) as error:
        raise PluginError(f"README.md's benchmark table: {error!r}") from None


def on_page_markdown(markdown, page, config, files):
    from mkdocs.exceptions import PluginError

    if not page.file.src_uri.startswith(PAGES):
        return markdown
    try:
        return render(markdown, load_results(), page.file.src_uri)
    except BenchmarkError as error:
        raise PluginError(str(error)) from None


if __name__ == "__main__":
    write_readme(load_results())
    print("README.md: benchmark table rewritten from bench/results/*.json")
