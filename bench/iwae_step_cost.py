"""What an importance-weighted step costs, by batch size: the measurement
behind the batch size of bench/quality.py's IWAE runs.

The wide 784-512-512-50 MLP of bench/quality.py, compiled with the
defaults, trains on binarised MNIST with the ELBO and with IWAE (k = 5 and
50, DReG); reported: steady-state training images/s (first epoch excluded)
and seconds per step for each batch size.

Usage:
    python bench/iwae_step_cost.py --json bench/results/iwae_step_cost.json
"""

import argparse
import json
import os
import sys

OBJECTIVES = {
    "elbo": {},
    "iwae5-dreg": {"objective": "iwae", "importance_samples": 5, "dreg": True},
    "iwae50-dreg": {"objective": "iwae", "importance_samples": 50, "dreg": True},
}


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="64,128,256,512")
    parser.add_argument("--objectives", default=",".join(OBJECTIVES))
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--json", default="bench/results/iwae_step_cost.json")
    return parser.parse_args(argv)


def measure(objective, batch_size, args):
    import keras

    import keras_vae

    keras.utils.set_random_seed(0)
    images, _ = keras_vae.data.read_idx_split(
        keras_vae.data.default_idx_dir("mnist"), "train"
    )
    # k = 50 costs ~10x more per image: fewer images keep epochs short.
    count = args.images // (8 if objective == "iwae50-dreg" else 1)
    train = keras_vae.data.load_dataset(images[:count], batch_size=batch_size, seed=0)
    encoder = keras_vae.build_mlp_encoder((28, 28, 1), 50, hidden_units=(512, 512))
    decoder = keras_vae.build_mlp_decoder(50, (28, 28, 1), hidden_units=(512, 512))
    vae = keras_vae.VAE(
        encoder,
        decoder,
        likelihood=keras_vae.BernoulliLikelihood(binarize=True, seed=0),
        seed=0,
        **OBJECTIVES[objective],
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from train_throughput import EpochTimer

    timer = EpochTimer()
    vae.fit(train, epochs=args.epochs, verbose=0, callbacks=[timer])
    times = timer.times
    steady = sum(times[1:]) / len(times[1:])
    steps = -(-count // batch_size)
    return {
        "images_per_s": count / steady,
        "seconds_per_step": steady / steps,
        "epoch_seconds": times,
        "images_per_epoch": count,
    }


def main(argv=None):
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    report = {}
    for objective in args.objectives.split(","):
        report[objective] = {}
        for batch_size in map(int, args.batch_sizes.split(",")):
            result = measure(objective, batch_size, args)
            report[objective][str(batch_size)] = result
            print(
                f"{objective} batch {batch_size}: {result['images_per_s']:,.0f} "
                f"images/s, {result['seconds_per_step'] * 1000:.1f} ms/step",
                flush=True,
            )
    with open(args.json, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
