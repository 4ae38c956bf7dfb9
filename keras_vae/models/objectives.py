"""The training objectives a `VAE` knows, free of TensorFlow (the command
line reads it for its choices): the names of `keras_vae.objectives`'
registry, where the objectives live."""

from keras_vae import objectives

OBJECTIVES = objectives.names()
