"""The architectures the builders know, free of TensorFlow (the command line
reads it for its choices)."""

ARCHITECTURES = ("mlp", "conv")
