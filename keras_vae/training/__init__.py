"""Training: the run `keras-vae train` performs (`run`), its configuration
(`config`, free of TensorFlow) and the callbacks (KL warm-up, divergence
stop, last good model)."""
