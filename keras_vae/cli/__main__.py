"""`python -m keras_vae.cli` runs the `keras-vae` command line, as before
the command line became a package (`python -m keras_vae` does the same)."""

import sys

from keras_vae.cli import main

sys.exit(main())
