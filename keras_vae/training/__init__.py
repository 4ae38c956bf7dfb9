"""Training: the run `keras-vae train` performs (`run`), its configuration
(`config`, free of TensorFlow), the measured compile settings (`defaults`)
and the callbacks (KL warm-up, divergence stop, last good model)."""
