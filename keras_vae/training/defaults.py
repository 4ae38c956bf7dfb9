"""Compile settings measured to train fastest on CPU, per architecture.

Measured here (2 cores, TF 2.21, batch 128, steady-state epochs of real
MNIST; `bench/train_throughput.py` records the full numbers):

| architecture | jit_compile | steps_per_execution | images/s |
|---|---|---|---|
| mlp | False | 1 | ~22,000 |
| mlp | True | 1 | ~25,700 |
| mlp | True | 8 | ~29,000 |
| conv | False | 8 | ~2,600-3,500 |
| conv | True | 8 | ~1,300-2,100 |

XLA fuses the MLP's small element-wise ops around its matmuls, but its CPU
convolutions are slower than oneDNN's, so the conv model keeps the default
graph mode. Running 8 steps per `tf.function` call removes most per-step
Python work; callbacks that act per batch (such as `KLWarmup`) then update
every 8 steps.
"""

from keras_vae.input_checks import check_choice
from keras_vae.models.architectures import ARCHITECTURES

FIT_SETTINGS = {
    "mlp": {"jit_compile": True, "steps_per_execution": 8},
    "conv": {"jit_compile": False, "steps_per_execution": 8},
}


def fit_settings(architecture):
    """Returns the `compile` keyword arguments measured fastest on CPU.

    Args:
        architecture: `"mlp"` or `"conv"`.

    Returns:
        A dict `{"compile": {...}}` to splat into `VAE.compile`.

    Example:
    ```python
    vae.compile(optimizer="adam", **fit_settings("mlp")["compile"])
    ```
    """
    check_choice("architecture", architecture, ARCHITECTURES)
    return {"compile": dict(FIT_SETTINGS[architecture])}
