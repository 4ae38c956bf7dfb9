"""The compile settings a model gets when the user leaves them at their
defaults: the ones measured fastest for the networks it holds.

`bench/train_throughput.py` times every combination of `jit_compile` and
`steps_per_execution` for the dense (MLP) and the convolutional VAE, side
by side in one run, and `tests/models/test_compile_defaults.py` checks that this
table picks the fastest of the committed measurements. Measured on 2 CPU
cores (TF 2.21, batch 128, steady-state epochs of MNIST):

- dense-only networks: XLA fuses the small element-wise ops around the
  matmuls, and 8 steps per `tf.function` call remove most per-step Python
  work, so `jit_compile=True, steps_per_execution=8`;
- convolutional networks: XLA's CPU convolutions are slower than oneDNN's,
  so `jit_compile=False` (on a GPU, Keras' own `"auto"`, which is XLA),
  with 8 steps per execution;
- dense networks trained on the importance-weighted bound
  (`objective="iwae"`): the k latents per example make the decoder's
  matmuls k times taller, where XLA's CPU matmuls are slower than
  TensorFlow's own (`bench/iwae_step_cost.py`, 784-512-512-50 MLP, batch
  64, in turns: 2.3x faster without XLA for k = 5, 1.7x for k = 50), so
  `jit_compile=False` (Keras' `"auto"` on a GPU), with 8 steps per
  execution.

A network with a layer that does not support XLA, or a model under a
`tf.distribute` strategy (the settings were measured on one device; Keras
also turns XLA off there), keeps Keras' defaults. An explicit
`jit_compile` or `steps_per_execution` always wins.
"""

import keras

DENSE = "dense"
CONV = "conv"
DENSE_IMPORTANCE_WEIGHTED = "dense_importance_weighted"

FAST_SETTINGS = {
    DENSE: {"jit_compile": True, "steps_per_execution": 8},
    CONV: {"jit_compile": False, "steps_per_execution": 8},
    DENSE_IMPORTANCE_WEIGHTED: {"jit_compile": False, "steps_per_execution": 8},
}
"""Measured on CPU; on a GPU the entries without XLA use `"auto"`."""

KERAS_DEFAULTS = {"jit_compile": "auto", "steps_per_execution": 1}

_CONV_LAYERS = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
    keras.layers.DepthwiseConv1D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv1D,
    keras.layers.SeparableConv2D,
)


def network_kind(networks):
    """What the networks are made of, for the compile table.

    Args:
        networks: iterable of Keras layers or models (the encoder and the
            decoder).

    Returns:
        `"conv"` if any layer is a convolution, `"dense"` if every layer
        supports XLA and none is a convolution, `None` otherwise.
    """
    layers = []
    for network in networks:
        layers.append(network)
        layers.extend(network._flatten_layers(include_self=False))
    if any(isinstance(layer, _CONV_LAYERS) for layer in layers):
        return CONV
    if all(getattr(layer, "supports_jit", True) for layer in layers):
        return DENSE
    return None


def _has_gpu():
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def _under_strategy(model):
    import tensorflow as tf

    return bool(getattr(model, "_distribute_strategy", None)) or (
        tf.distribute.has_strategy()
    )


def default_compile_settings(model):
    """The settings `compile` uses for arguments left at their defaults.

    Args:
        model: a keras-vae model (it has `encoder` and `decoder`, and a
            `training_objective` if it is a `VAE`).

    Returns:
        A dict with `jit_compile` and `steps_per_execution`.
    """
    kind = network_kind([model.encoder, model.decoder])
    if kind is None or _under_strategy(model):
        return dict(KERAS_DEFAULTS)
    objective = getattr(model, "training_objective", None)
    if kind == DENSE and getattr(objective, "importance_weighted", False):
        kind = DENSE_IMPORTANCE_WEIGHTED
    settings = dict(FAST_SETTINGS[kind])
    if settings["jit_compile"] is False and _has_gpu():
        settings["jit_compile"] = "auto"
    return settings


def resolve_compile_settings(model, jit_compile=None, steps_per_execution=None):
    """`compile`'s `jit_compile` and `steps_per_execution`: the user's
    values where given, the measured defaults elsewhere.

    Args:
        model: a keras-vae model.
        jit_compile: the user's value (`"auto"` is Keras' own choice), or
            `None` to use the measured default.
        steps_per_execution: the user's value, or `None` to use the
            measured default.

    Returns:
        A dict with `jit_compile` and `steps_per_execution`.

    Example:
    ```python
    resolve_compile_settings(vae)  # {"jit_compile": True, ...} for an MLP
    resolve_compile_settings(vae, jit_compile=False)  # the user's False wins
    ```
    """
    defaults = default_compile_settings(model)
    return {
        "jit_compile": defaults["jit_compile"] if jit_compile is None else jit_compile,
        "steps_per_execution": defaults["steps_per_execution"]
        if steps_per_execution is None
        else steps_per_execution,
    }
