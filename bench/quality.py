"""Quality benchmark: test NLL on dynamically binarised MNIST (IWAE, k=5000).

The setting of Burda et al. (2016): dynamically binarised MNIST, one
stochastic layer, standard normal prior, trained on the full training set;
the test log-likelihood is estimated with k = 5000 importance samples on the
test set (binarised once with a fixed seed). Each configuration trains for a
wall-clock budget, with Adam whose learning rate decays from 1e-3 to 1e-4
over the budget.

Configurations:
- burda:   784-200-200-50 MLP, tanh (Burda et al.'s one-layer VAE);
- wide:    784-512-512-50 MLP, ReLU;
- default: keras-vae's default 784-512-16 MLP, ReLU.

A run is `config:minutes` (the ELBO) or `config+objective:minutes`, with an
objective of `OBJECTIVES`: `iwae5`, `iwae50` (importance-weighted training
with k = 5 or 50, plain IWAE gradients) and `iwae5-dreg`, `iwae50-dreg`
(doubly reparameterised encoder gradients). The budget is checked after
every step and the learning rate decays every step, so a run with long
epochs (k = 50) stops on time. The IWAE runs use batch 64 (`--batch-size
64`) and the ELBO runs' decay from 1e-3 to 1e-4. bench/iwae_step_cost.py
times k = 5 (DReG) at 3,213 / 4,417 / 4,696 / 5,300 images/s for batch 64 /
128 / 256 / 512 in turns, but in 4-minute runs of this script
(bench/quality_sweep.py, bench/results/quality_iwae_proxies.json) batch 128
trained no more images than batch 64 and ended 1.5 nats worse at the same
rate; a start at 2e-3 beat 1e-3 there by 0.7 nats, yet over 60 minutes it
ended at 86.39 nats against 85.02 for 1e-3 (191 and 205 epochs), and 5e-4
tied with 1e-3 (85.06): four minutes do not rank learning rates for an hour
(`--learning-rate` sets the start, `--final-learning-rate` the end, a
tenth of the start by default). `--ema-momentum` evaluates an
exponential moving average of the weights instead of the last ones (Adam's
`use_ema`; `fit` copies the average into the model when it ends).
`--weight-decay` shrinks the kernels by `weight_decay * learning_rate` of
themselves every step (decoupled, as AdamW; biases are left alone), in
both networks or, with `--weight-decay-on`, the encoder's or the decoder's
only. A run's entry in the JSON's `runs` is its name followed by the
options that differ from their defaults (`run_key`), so runs of one
configuration with other options or seeds do not overwrite each other.
Each run records the CPU it ran on (`machine`): Zen 3 and Zen 4
machines have both run it, and steps per hour differ between them and
between runs on one host.

Usage:
    python -m bench.quality --runs wide:40,burda:8,default:5 \
        --json bench/results/quality.json
    python -m bench.quality --runs wide+iwae50-dreg:60,wide+iwae5-dreg:60
    # a smoke run: minutes of training on a subset, written elsewhere
    python -m bench.quality --runs wide:0.5,wide+iwae5:0.5 \
        --train-examples 6000 --test-examples 500 --iwae-samples 500 \
        --json bench/results/quality_smoke.json
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.common import cpu_info
from bench.common import mnist_images
from bench.common import mnist_train_uint8
from bench.common import write_json

CONFIGS = {
    "burda": {"hidden_units": (200, 200), "activation": "tanh", "latent_dim": 50},
    "wide": {"hidden_units": (512, 512), "activation": "relu", "latent_dim": 50},
    "default": {"hidden_units": (512,), "activation": "relu", "latent_dim": 16},
}
OBJECTIVES = {
    "elbo": {},
    **{
        f"iwae{k}{'-dreg' if dreg else ''}": {
            "objective": "iwae",
            "importance_samples": k,
            "dreg": dreg,
        }
        for k in (5, 50)
        for dreg in (False, True)
    },
}
# --weight-decay-on: "both" networks, or the encoder's or the decoder's
# kernels only.
DECAYED_NETWORKS = ("both", "encoder", "decoder")
# The options that name a run's JSON entry when they differ from their
# defaults. --batch-size is not one: each objective's make target sets it for
# all its runs (ELBO 128, IWAE 64), and every run records it.
KEYED_OPTIONS = (
    "learning_rate",
    "final_learning_rate",
    "ema_momentum",
    "weight_decay",
    "weight_decay_on",
    "seed",
)
# The test set's binarisation and the evaluation's samples do not follow
# --seed: runs with different training seeds are measured on the same images.
EVALUATION_SEED = 0
DEFAULT_RUNS = ",".join(
    ["wide:60", "burda:60", "default:60"]
    + [f"wide+{name}:60" for name in OBJECTIVES if name != "elbo"]
)


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs",
        default=DEFAULT_RUNS,
        help="comma-separated config:minutes or config+objective:minutes",
    )
    parser.add_argument(
        "--train-examples",
        type=int,
        default=60000,
        help="training images (fewer only for smoke runs)",
    )
    parser.add_argument("--iwae-samples", type=int, default=5000)
    parser.add_argument("--test-examples", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=1e-3,
        help="Adam's rate at the start; it decays exponentially over the "
        "budget to --final-learning-rate",
    )
    parser.add_argument(
        "--final-learning-rate",
        type=float,
        default=None,
        help="Adam's rate when the budget ends; a tenth of --learning-rate by default",
    )
    parser.add_argument("--json", default="bench/results/quality.json")
    parser.add_argument(
        "--ema-momentum",
        type=float,
        default=None,
        help="evaluate an exponential moving average of the weights "
        "(Adam's use_ema) with this momentum; off by default",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=None,
        help="decoupled weight decay of the kernels (Adam's weight_decay, "
        "scaled by the learning rate; biases are not decayed); off by default",
    )
    parser.add_argument(
        "--weight-decay-on",
        choices=DECAYED_NETWORKS,
        default="both",
        help="the networks whose kernels --weight-decay shrinks",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights and the training noise (the test "
        "images are binarised with a fixed seed whatever it is)",
    )
    args = parser.parse_args(argv)
    if args.weight_decay is not None and not args.weight_decay > 0.0:
        parser.error(
            f"--weight-decay must be positive. "
            f"Received: weight_decay={args.weight_decay}"
        )
    if args.final_learning_rate is not None and not (
        0.0 < args.final_learning_rate <= args.learning_rate
    ):
        parser.error(
            f"--final-learning-rate must be positive and at most "
            f"--learning-rate ({args.learning_rate}). "
            f"Received: final_learning_rate={args.final_learning_rate}"
        )
    if args.weight_decay_on != "both" and args.weight_decay is None:
        parser.error(
            f"--weight-decay-on needs --weight-decay. "
            f"Received: weight_decay_on={args.weight_decay_on!r}"
        )
    if args.ema_momentum is not None and not 0.0 < args.ema_momentum < 1.0:
        parser.error(
            f"--ema-momentum must be between 0 and 1 (exclusive). "
            f"Received: ema_momentum={args.ema_momentum}"
        )
    return args


def run_key(name, args):
    """The run's entry in the JSON: `name`, then the options of `KEYED_OPTIONS`
    that differ from their defaults, as flags.

    Runs of one configuration with other options keep entries of their own
    (each run also records all its options).
    """
    defaults = _parse_args([])
    flags = [
        f"--{option.replace('_', '-')} {getattr(args, option)}"
        for option in KEYED_OPTIONS
        if getattr(args, option) != getattr(defaults, option)
    ]
    return " ".join([name, *flags])


def parse_run(name):
    """`config` or `config+objective` as (config, objective arguments)."""
    config, _, objective = name.partition("+")
    objective = objective or "elbo"
    if config not in CONFIGS or objective not in OBJECTIVES:
        raise ValueError(
            f"Unknown run. Expected config[+objective] with a config of "
            f"{sorted(CONFIGS)} and an objective of {sorted(OBJECTIVES)}. "
            f"Received: run={name!r}"
        )
    return CONFIGS[config], OBJECTIVES[objective]


def train_and_measure(name, minutes, args):
    import keras

    import keras_vae
    from keras_vae import evaluation

    config, objective = parse_run(name)
    keras.utils.set_random_seed(args.seed)
    images = mnist_train_uint8(args.train_examples)
    test_x = mnist_images("test", args.test_examples)
    train = keras_vae.data.load_dataset(images, batch_size=args.batch_size, seed=0)
    encoder = keras_vae.build_mlp_encoder(
        (28, 28, 1),
        config["latent_dim"],
        hidden_units=config["hidden_units"],
        activation=config["activation"],
    )
    decoder = keras_vae.build_mlp_decoder(
        config["latent_dim"],
        (28, 28, 1),
        hidden_units=config["hidden_units"],
        activation=config["activation"],
    )
    vae = keras_vae.VAE(
        encoder,
        decoder,
        likelihood=keras_vae.BernoulliLikelihood(binarize=True, seed=args.seed),
        seed=args.seed,
        **objective,
    )
    options = {}
    if args.ema_momentum is not None:
        options.update(use_ema=True, ema_momentum=args.ema_momentum)
    if args.weight_decay is not None:
        options.update(weight_decay=args.weight_decay)
    optimizer = keras.optimizers.Adam(args.learning_rate, **options)
    if args.weight_decay is not None:
        # Biases are never decayed, nor the network left out by --weight-decay-on.
        left_out = {
            "both": [],
            "encoder": decoder.trainable_variables,
            "decoder": encoder.trainable_variables,
        }[args.weight_decay_on]
        optimizer.exclude_from_weight_decay(var_list=left_out, var_names=["bias"])
    vae.compile(optimizer=optimizer)
    budget = minutes * 60.0
    final_rate = args.final_learning_rate or args.learning_rate / 10.0

    class TimeBudget(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            fraction = min(1.0, (time.perf_counter() - self.start) / budget)
            self.model.optimizer.learning_rate.assign(
                args.learning_rate * (final_rate / args.learning_rate) ** fraction
            )

        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - self.start >= budget:
                self.model.stop_training = True

    start = time.perf_counter()
    history = vae.fit(train, epochs=100_000, verbose=0, callbacks=[TimeBudget()])
    train_seconds = time.perf_counter() - start
    steps = int(vae.optimizer.iterations.numpy())
    final = {key: values[-1] for key, values in history.history.items()}
    start = time.perf_counter()
    estimates = evaluation.importance_weighted_log_likelihood(
        vae, test_x, num_samples=args.iwae_samples, seed=EVALUATION_SEED
    )
    iwae_seconds = time.perf_counter() - start
    test_elbo = evaluation.elbo(vae, test_x, seed=EVALUATION_SEED)
    stats = evaluation.posterior_statistics(vae, test_x)
    return {
        "architecture": {
            k: list(v) if isinstance(v, tuple) else v for k, v in config.items()
        },  # fmt: skip
        "objective": objective.get("objective", "elbo"),
        "importance_samples": objective.get("importance_samples", 1),
        "dreg": objective.get("dreg", False),
        "budget_minutes": minutes,
        "train_seconds": train_seconds,
        "train_examples": len(images),
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "final_learning_rate": final_rate,
        # fit ends by copying the average into the weights that are evaluated.
        "ema_momentum": args.ema_momentum,
        "weight_decay": args.weight_decay,
        "weight_decay_on": args.weight_decay_on if args.weight_decay else None,
        "seed": args.seed,
        "evaluation_seed": EVALUATION_SEED,
        "epochs": len(history.epoch),
        "steps": steps,
        "seconds_per_step": train_seconds / max(1, steps),
        # The last epoch's mean (the last epoch may be cut by the budget).
        "final_train_negative_elbo": final.get("negative_elbo", final["loss"]),
        "final_train_negative_bound": final["loss"],
        "test_examples": len(test_x),
        "iwae_samples": args.iwae_samples,
        "test_nll_iwae": float(-estimates.mean()),
        "test_nll_iwae_stderr": float(estimates.std() / len(estimates) ** 0.5),
        "test_negative_elbo": test_elbo["negative_elbo"],
        "active_units": stats["active_units"],
        "iwae_seconds": iwae_seconds,
        "machine": cpu_info(),
    }


def main(argv=None):
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    path = Path(args.json)
    report = json.loads(path.read_text()) if path.exists() else {}
    report.setdefault(
        "anchors",
        {
            "burda_vae_1_layer_k5000": 86.76,
            "burda_iwae_k50_1_layer": 84.78,
            "burda_vae_2_layers": 85.33,
            "goal": 85.0,
        },
    )
    report.setdefault("runs", {})
    for item in args.runs.split(","):
        name, minutes = item.split(":")
        result = train_and_measure(name, float(minutes), args)
        key = run_key(name, args)
        report["runs"][key] = result
        write_json(path, report)
        print(
            f"{key}: {result['epochs']} epochs in {result['train_seconds'] / 60:.1f}"
            f" min; test NLL (IWAE k={args.iwae_samples}) "
            f"{result['test_nll_iwae']:.2f} nats; -ELBO "
            f"{result['test_negative_elbo']:.2f}; active units "
            f"{result['active_units']}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
