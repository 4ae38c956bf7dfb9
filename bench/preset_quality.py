"""What the presets that ship draw on the device (#27): for each preset,
each exported format's sampling graph and decoder, through the device
package's `Sampler`, scored by the reference classifier.

    python bench/preset_quality.py --json bench/results/preset_quality.json

Unconditional presets: completeness, mean confidence, Frechet distance,
precision and recall of `--samples` images, from the prior, the mixture and
the sampling graph. Conditional presets: label accuracy per class. Sizes and
the training record come from the preset's own files.
"""

import argparse
import json
import sys
from pathlib import Path

from machine import cpu_info  # bench/machine.py: this folder is on sys.path

# Drawn from the sampling graph on uniform noise (the mixture inside), from
# the mixture's latents decoded, and from the prior's.
LATENTS = ("graph", "gmm", "prior")


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--json", default="bench/results/preset_quality.json")
    return parser.parse_args(argv)


def _sources(export_dir):
    from keras_vae_sampler import Sampler
    from keras_vae_sampler.manifest import read_manifest

    artifacts = read_manifest(export_dir)["artifacts"]
    return {
        entry["format"]: (
            Sampler(export_dir, runtime=entry["runtime"], format=entry["format"]),
            entry["size_bytes"],
        )
        for entry in artifacts.values()
        if entry["graph"] == "decode" and entry["batch_size"] is None
    }


def _sample_sizes(export_dir):
    from keras_vae_sampler.manifest import read_manifest

    return {
        entry["format"]: entry["size_bytes"]
        for entry in read_manifest(export_dir)["artifacts"].values()
        if entry["graph"] == "sample" and entry["batch_size"] is None
    }


def main(argv=None):
    args = _parse_args(argv)
    from keras_vae import data
    from keras_vae import evaluation
    from keras_vae_sampler import presets

    test_images, _ = data.load_arrays("mnist", "test")
    test_images = test_images[: args.samples]
    classifier = evaluation.reference_classifier()
    results = {
        "machine": {**cpu_info(), "python": sys.version.split()[0]},
        "samples": args.samples,
        "presets": {},
    }
    for name in presets.PRESETS:
        folder, metadata = presets.read_preset(name)
        export_dir = presets.preset_export_dir(name)
        conditional = presets.PRESETS[name].class_name == "ConditionalVAE"
        sample_sizes = _sample_sizes(export_dir)
        row = {
            "training": metadata["training"],
            "preset_bytes": sum(f["size_bytes"] for f in metadata["files"].values()),
            "formats": {},
        }
        for format, (sampler, size) in _sources(export_dir).items():
            scores = {"decoder_bytes": size, "sampler_bytes": sample_sizes[format]}
            for latent in LATENTS:
                if conditional:
                    scores[latent] = evaluation.label_accuracy(
                        sampler, classifier, latent=latent
                    )
                else:
                    scores[latent] = evaluation.sample_quality(
                        sampler, classifier, test_images, args.samples, latent=latent
                    )
            row["formats"][format] = scores
            print(name, format, scores, flush=True)
        results["presets"][name] = row
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
