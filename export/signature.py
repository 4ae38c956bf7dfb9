"""TensorFlow input signatures of the exported graph, from the manifest's
`inputs` list (the one description every format and runner reads)."""

import tensorflow as tf


def input_signature(entries):
    """The `input_signature` Keras' exporters take for the decode model.

    Args:
        entries: the manifest's input entries (`name`, `shape` with -1 for
            the batch, `dtype`), in the model's input order.

    Returns:
        `[spec]` for one input, `[[spec, ...]]` for several (a functional
        model takes its inputs as one positional list).
    """
    specs = [
        tf.TensorSpec(
            [None if d == -1 else d for d in entry["shape"]],
            entry["dtype"],
            name=entry["name"],
        )
        for entry in entries
    ]
    return specs if len(specs) == 1 else [specs]
