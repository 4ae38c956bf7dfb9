"""Project tools (not shipped): building the presets and the committed
device exports, re-running the notebooks."""
