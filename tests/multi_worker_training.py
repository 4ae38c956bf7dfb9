"""One worker of a two-worker MultiWorkerMirroredStrategy run, or the same
training on one device (run as subprocesses by tests/training/test_distribution.py).

Usage: python -m tests.multi_worker_training OUT.json [WORKER_INDEX PORT0 PORT1]
"""

import json
import os
import sys

if len(sys.argv) > 2:
    index, ports = int(sys.argv[2]), sys.argv[3:5]
    os.environ["TF_CONFIG"] = json.dumps(
        {
            "cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
            "task": {"type": "worker", "index": index},
        }
    )

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tests.mirrored_training import build_vae  # noqa: E402

if __name__ == "__main__":
    multi_worker = len(sys.argv) > 2
    strategy = (
        tf.distribute.MultiWorkerMirroredStrategy()
        if multi_worker
        else tf.distribute.get_strategy()
    )
    x = np.random.default_rng(0).uniform(size=(64, 12)).astype("float32")
    with strategy.scope():
        vae = build_vae(beta=1.0)
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(32)
    history = vae.fit(dataset, epochs=3, verbose=0)
    result = {
        "history": history.history,
        "weights": np.concatenate(
            [np.asarray(w).ravel() for w in vae.trainable_weights]
        ).tolist(),
        "replicas": strategy.num_replicas_in_sync,
    }
    with open(sys.argv[1], "w") as handle:
        json.dump(result, handle)
