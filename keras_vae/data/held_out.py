"""Seeded held-out splits: with `validation_split`, a fraction of the
training data is the `"validation"` split and the rest is `"train"`.

Folders and array files have no test split of their own; a named dataset's
held-out part comes from its `"train"` split. The same seed gives the same
two sides, so evaluation reads the images training validated on.
"""

import numpy as np
import tensorflow as tf


def split_to_read(split, validation_split, own_data):
    """The split to read and which side of the held-out split to keep
    (`None`: all of it)."""
    if validation_split is None:
        if own_data and split != "train":
            raise ValueError(
                "Folders and array files have no test split; hold out a "
                "fraction of them with validation_split (--validation-split). "
                f"Received: split={split!r}"
            )
        return split, None
    if split not in ("train", "validation"):
        raise ValueError(
            "With validation_split, split is 'train' (what is kept) or "
            f"'validation' (what is held out). Received: split={split!r}"
        )
    return ("train" if not own_data else split), split == "validation"


def side_indices(count, fraction, seed, held_out):
    """Sorted indices of one side of a seeded random split of `count`
    examples: the held-out `fraction` (`held_out=True`) or the rest."""
    held = int(round(fraction * count))
    if held < 1 or held > count - 1:
        raise ValueError(
            f"validation_split={fraction:g} of {count} examples leaves no "
            "examples on one side. Received: "
            f"validation_split={fraction:g}"
        )
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[:held] if held_out else order[held:])


def stream_held_out(dataset, fraction, seed, held_out):
    """Keeps the examples whose seeded draw puts them on one side of a
    split: for sources whose size is unknown before reading them."""

    def chosen(index, example):
        seeds = tf.stack([tf.constant(seed, tf.int64), index])
        draw = tf.random.stateless_uniform([], seed=seeds, dtype=tf.float64)
        return (draw < fraction) == held_out

    return dataset.enumerate().filter(chosen).map(lambda index, example: example)
