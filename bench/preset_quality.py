"""What the presets that ship draw on the device (#27): for each preset,
each exported format's sampling graph and decoder, through the device
package's `Sampler`, scored by the reference classifier.

    python -m bench.preset_quality --json bench/results/preset_quality.json

Unconditional presets: completeness, mean confidence, Frechet distance,
precision and recall of `--samples` images, from the prior, the mixture and
the sampling graph. Conditional presets: label accuracy per class. Sizes and
the training record come from the preset's own files.
"""

import argparse

from bench.common import artifact_sizes
from bench.common import export_samplers
from bench.common import machine_and_python
from bench.common import mnist_images
from bench.common import write_json

# Drawn from the sampling graph on uniform noise (the mixture inside), from
# the mixture's latents decoded, and from the prior's.
LATENTS = ("graph", "gmm", "prior")


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--json", default="bench/results/preset_quality.json")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    from keras_vae import evaluation
    from keras_vae_sampler import presets

    test_images = mnist_images("test", args.samples)
    classifier = evaluation.reference_classifier()
    results = {
        "machine": machine_and_python(),
        "samples": args.samples,
        # The yardstick: the same test digits the Frechet distance compares
        # with, scored by the same classifier.
        "test_digits": evaluation.classifier_confidence(classifier, test_images),
        "presets": {},
    }
    for name in presets.PRESETS:
        folder, metadata = presets.read_preset(name)
        export_dir = presets.preset_export_dir(name)
        conditional = presets.PRESETS[name].class_name == "ConditionalVAE"
        decoder_sizes = artifact_sizes(export_dir, "decode")
        sample_sizes = artifact_sizes(export_dir, "sample")
        row = {
            "training": metadata["training"],
            "preset_bytes": sum(f["size_bytes"] for f in metadata["files"].values()),
            "formats": {},
        }
        for format, sampler in export_samplers(export_dir).items():
            scores = {
                "decoder_bytes": decoder_sizes[format],
                "sampler_bytes": sample_sizes[format],
            }
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
    write_json(args.json, results)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
