"""What a training run reads, checked before it trains: the train and
held-out datasets, the batch size against the data, the classes of a
conditional run (labels 0..K-1, each with examples, within the limit) and
whether the latent mixture can be fitted."""

import numpy as np
import tensorflow as tf

from keras_vae import data
from keras_vae_sampler.checks import LIMITS


def load_run_data(config, source):
    """The train and test (or held-out validation) datasets of `source`,
    the number of classes (`None` unless the run is conditional) and the
    class names."""
    common = dict(batch_size=config.batch_size, with_labels=config.conditional)
    train = data.load_dataset(source, split="train", seed=config.seed, **common)
    test = data.load_dataset(
        source, split=source.evaluation_split, shuffle=False, **common
    )
    first = next(iter(train))
    images = first[0] if config.conditional else first
    if len(images) < config.batch_size:
        raise ValueError(
            f"The batch size is larger than the training set ({len(images)} "
            f"examples). Received: --batch-size={config.batch_size}"
        )
    class_names = getattr(train, "class_names", None) if config.conditional else None
    counts = _example_counts(config, train)
    num_classes = None
    if config.conditional:
        num_classes = len(class_names) if class_names else len(counts)
        if num_classes < 2:
            raise ValueError(
                "--conditional needs at least two classes. Received: "
                f"--dataset={config.dataset} with {num_classes} class"
            )
        _check_dense_labels(config, counts, num_classes)
        _check_held_out_labels(config, test, num_classes)
    # A class with no training example counts as 0 (so the mixture refuses).
    _check_mixture_fits(config, counts + [0] * ((num_classes or 0) - len(counts)))
    return train, test, num_classes, class_names


def _labels_of(config, batch):
    """A batch's labels as numpy, checked: classes 0..LIMITS - 1."""
    labels = batch[1].numpy()
    if labels.size and labels.min() < 0:
        raise ValueError(
            "--conditional needs a dataset with class labels; "
            f"{config.dataset} has none. Received: --dataset={config.dataset}"
        )
    limit = LIMITS["num_classes"]
    if labels.size and labels.max() >= limit:
        raise ValueError(
            f"Class labels must be below {limit:,} (labels are 0, 1, ...). "
            f"Received: label {int(labels.max()):,} in --dataset={config.dataset}"
        )
    return labels


def _example_counts(config, train):
    """One pass over the training set before training: the examples of each
    class (labels 0..C-1) for a conditional run, else `[total]`."""
    if not config.conditional:
        return [sum(int(tf.shape(batch)[0]) for batch in train)]
    counts = np.zeros((0,), "int64")
    for batch in train:
        found = np.bincount(_labels_of(config, batch))
        if len(found) > len(counts):
            counts = np.pad(counts, (0, len(found) - len(counts)))
        counts[: len(found)] += found
    return counts.tolist()


def _check_dense_labels(config, counts, num_classes):
    """A conditional model learns classes 0..K-1: every one must have
    training examples, or the labels are not class numbers (0 and 9000
    would build a 9,001-class model)."""
    counts = list(counts) + [0] * (num_classes - len(counts))
    empty = [label for label, count in enumerate(counts) if count == 0]
    if empty:
        present = [label for label, count in enumerate(counts) if count]
        shown = ", ".join(str(label) for label in present[:10])
        more = ", ..." if len(present) > 10 else ""
        raise ValueError(
            f"--conditional needs labels 0 to K-1 with examples of each; the "
            f"training labels are {{{shown}{more}}} ({len(present)} classes), so "
            f"{len(empty):,} of the {num_classes:,} classes have none (first: "
            f"{empty[0]}). Renumber the labels 0, 1, ... Received: "
            f"--dataset={config.dataset}"
        )


def _check_held_out_labels(config, test, num_classes):
    """The test or validation labels must be classes the model learns."""
    for batch in test:
        labels = _labels_of(config, batch)
        if labels.size and labels.max() >= num_classes:
            raise ValueError(
                f"The held-out data has label {int(labels.max())}, a class the "
                f"training set does not have (it has {num_classes}: 0 to "
                f"{num_classes - 1}). Received: --dataset={config.dataset}"
            )


def _check_mixture_fits(config, counts):
    """The latent mixture is fitted after training on each class's (or the
    whole set's) examples: refuse before training when there are fewer
    examples than components."""
    if config.latent_sampler != "gmm":
        return
    fewest = min(counts)
    if fewest < config.gmm_components:
        where = (
            f"class {counts.index(fewest)} has {fewest} training examples"
            if config.conditional
            else f"the training set has {fewest} examples"
        )
        raise ValueError(
            f"The latent mixture needs at least one training example per "
            f"component, and {where}: lower --gmm-components, or train with "
            f"--latent-sampler prior. Received: --gmm-components="
            f"{config.gmm_components}"
        )
