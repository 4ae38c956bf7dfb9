"""Short runs of bench/quality.py that compare batch sizes and starting
learning rates for its 60-minute IWAE runs.

A short run ranks batch sizes at a given rate, but not learning rates for
the hour: a start at 2e-3 beat 1e-3 by 0.7 nats in 4 minutes and lost by
1.4 nats over 60 (bench/results/quality.json).

Each pair of `--batch-sizes` x `--learning-rates` trains the same run
(`wide+iwae5-dreg` by default) for `--minutes` with quality.py's schedule
(the learning rate decays 10x over the budget), one pair after the other on
an otherwise idle machine, and is scored by the test NLL (IWAE k = 1000 on
the first 2,000 test images, binarised once: every pair sees the same
images, so their differences are less noisy than each standard error).

Usage:
    python -m bench.quality_sweep --json bench/results/quality_iwae_proxies.json
"""

import argparse
import os
import sys

from bench import quality
from bench.common import write_json

KEPT = (
    "batch_size",
    "learning_rate",
    "budget_minutes",
    "train_seconds",
    "epochs",
    "steps",
    "seconds_per_step",
    "test_examples",
    "iwae_samples",
    "test_nll_iwae",
    "test_nll_iwae_stderr",
    "test_negative_elbo",
    "active_units",
)


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="wide+iwae5-dreg")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--batch-sizes", default="64,128")
    parser.add_argument("--learning-rates", default="0.001,0.002")
    parser.add_argument("--test-examples", type=int, default=2000)
    parser.add_argument("--iwae-samples", type=int, default=1000)
    parser.add_argument("--json", default="bench/results/quality_iwae_proxies.json")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    runs = []
    for batch_size in args.batch_sizes.split(","):
        for learning_rate in args.learning_rates.split(","):
            run_args = quality._parse_args(
                [
                    "--batch-size", batch_size,
                    "--learning-rate", learning_rate,
                    "--test-examples", str(args.test_examples),
                    "--iwae-samples", str(args.iwae_samples),
                ]
            )  # fmt: skip
            result = quality.train_and_measure(args.run, args.minutes, run_args)
            runs.append({key: result[key] for key in KEPT})
            print(
                f"{args.run} batch {batch_size} learning rate {learning_rate}: "
                f"{result['epochs']} epochs, {result['steps']} steps; test NLL "
                f"{result['test_nll_iwae']:.2f} nats",
                flush=True,
            )
    report = {"run": args.run, "minutes": args.minutes, "runs": runs}
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
