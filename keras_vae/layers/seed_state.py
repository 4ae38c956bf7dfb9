"""Saving random-number state with a layer's weights.

Keras saves a layer's variables but not the state of its
`keras.random.SeedGenerator`s, so a reloaded model would draw a different
noise stream from the one the saved model would have drawn next. Layers that
mix in `SavesSeedState` store that state beside their weights: a model
loaded from `.keras` then trains and samples exactly as the saved one.
"""

import numpy as np

_PREFIX = "seed_generator_state_"


class SavesSeedState:
    """Mixin for Keras layers with seed generators to persist.

    Subclasses list their generators in `persistent_seed_generators()`.
    """

    def persistent_seed_generators(self):
        return []

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for index, generator in enumerate(self.persistent_seed_generators()):
            store[f"{_PREFIX}{index}"] = np.asarray(generator.state.numpy())

    def load_own_variables(self, store):
        keys = list(store.keys())
        for index, generator in enumerate(self.persistent_seed_generators()):
            key = f"{_PREFIX}{index}"
            if key in keys:
                generator.state.assign(np.asarray(store[key]))
        super().load_own_variables(
            {key: store[key] for key in keys if not key.startswith(_PREFIX)}
        )
