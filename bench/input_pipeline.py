"""Does the image-folder pipeline keep up with training?

Writes a folder of 32x32x3 PNG images in ten class folders (CIFAR-sized
noise with a class-coloured square, so PNG compression is realistic), then
measures on this machine:
- the up-front scan (`scan_image_folder`: every file opened and decoded
  once with Pillow);
- images/s of `load_dataset(folder)` alone, first epoch (read, decode,
  cache) and a later epoch (from the cache);
- images/s of a conv VAE training step on the same shape (`fit` on
  in-memory batches, steady state), with keras-vae's settings.
The goal is pipeline >= 5x the training step.

With `--digits N`, it also writes N real MNIST digits as PNG class folders
and runs `keras-vae train --conditional` (MLP and conv), `export` and
`sample --label 7` in every runtime from the command line, recording the
times and the exit codes.

Usage:
    python -m bench.input_pipeline --json bench/results/input_pipeline.json
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from bench.common import write_json

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="bench/results/input_pipeline.json")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-steps", type=int, default=30)
    parser.add_argument("--digits", type=int, default=0)
    parser.add_argument("--digit-epochs", type=int, default=2)
    return parser.parse_args(argv)


def write_colour_folder(root, count, seed=0):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, (10, 3))
    for index in range(count):
        label = index % 10
        image = rng.integers(0, 64, (32, 32, 3)).astype(np.uint8)
        top, left = rng.integers(0, 16, 2)
        image[top : top + 16, left : left + 16] = colours[label]
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{index:06d}.png")
    return root


def pipeline_rates(folder, batch_size):
    from keras_vae import data
    from keras_vae.data.image_folders import scan_image_folder

    start = time.perf_counter()
    scan = scan_image_folder(folder)
    scan_seconds = time.perf_counter() - start
    dataset = data.load_dataset(str(folder), batch_size=batch_size, seed=0)
    rates = []
    for _ in range(3):
        start, count = time.perf_counter(), 0
        for batch in dataset:
            count += int(batch.shape[0])
        rates.append(count / (time.perf_counter() - start))
    return {
        "images": len(scan.paths),
        "scan_seconds": scan_seconds,
        "scan_images_per_second": len(scan.paths) / scan_seconds,
        "first_epoch_images_per_second": rates[0],
        "cached_epoch_images_per_second": max(rates[1:]),
    }


def training_rate(batch_size, steps):
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_vae

    encoder, decoder = keras_vae.build_encoder_decoder("conv", (32, 32, 3), 16)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    images = np.random.default_rng(0).random((batch_size * 8, 32, 32, 3), "float32")
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(batch_size).cache()
    dataset = dataset.repeat()
    vae.fit(dataset, steps_per_epoch=16, epochs=1, verbose=0)  # compile, warm up
    start = time.perf_counter()
    vae.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def digits_from_the_command_line(root, count, epochs):
    import numpy as np
    from PIL import Image

    from keras_vae import data
    from keras_vae.cli import main

    images, labels = data.read_idx_split(data.REPOSITORY_DATA_DIR / "mnist")
    chosen = np.concatenate(
        [np.flatnonzero(labels == c)[: count // 10] for c in range(10)]
    )
    folder = root / "digits"
    for index in chosen:
        path = folder / str(labels[index]) / f"{index:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[index, ..., 0]).save(path)
    results = {"images": int(len(chosen))}
    for architecture in ("mlp", "conv"):
        run, exported = root / f"run_{architecture}", root / f"export_{architecture}"
        start = time.perf_counter()
        codes = {"train": main(["train", "--dataset", str(folder), "--conditional",
                                "--architecture", architecture, "--epochs",
                                str(epochs), "--output-dir", str(run)])}  # fmt: skip
        codes["export"] = main(["export", str(run / "model.keras"), str(exported)])
        for runtime in ("tflite", "onnx", "savedmodel"):
            codes[f"sample_{runtime}"] = main([
                "sample", str(exported), "--runtime", runtime, "--label", "7",
                "--latent", "gmm", "-n", "16", "--out", str(root / "s.png"),
            ])  # fmt: skip
        metrics = json.loads((run / "metrics.json").read_text())
        manifest = json.loads((exported / "manifest.json").read_text())
        results[architecture] = {
            "exit_codes": codes,
            "seconds": time.perf_counter() - start,
            "validation_negative_elbo": metrics["test_negative_elbo"],
            "class_names": manifest["model"]["class_names"],
            "formats": sorted(manifest["artifacts"]),
        }
    return results


def main(argv=None):
    args = _parse_args(argv)
    import tensorflow as tf

    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "tensorflow": tf.__version__,
        "batch_size": args.batch_size,
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        folder = write_colour_folder(tmp / "colour", args.images)
        results["write_seconds"] = time.perf_counter() - start
        results["pipeline"] = pipeline_rates(folder, args.batch_size)
        results["conv_training_images_per_second"] = training_rate(
            args.batch_size, args.train_steps
        )
        results["pipeline_over_training"] = (
            results["pipeline"]["cached_epoch_images_per_second"]
            / results["conv_training_images_per_second"]
        )
        results["first_epoch_over_training"] = (
            results["pipeline"]["first_epoch_images_per_second"]
            / results["conv_training_images_per_second"]
        )
        if args.digits:
            results["digits"] = digits_from_the_command_line(
                tmp, args.digits, args.digit_epochs
            )
    print(json.dumps(results, indent=2))
    write_json(args.json, results)


if __name__ == "__main__":
    main()
