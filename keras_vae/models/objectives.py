"""The training objectives a `VAE` knows, free of TensorFlow (the command
line reads it for its choices)."""

OBJECTIVES = ("elbo", "iwae")
