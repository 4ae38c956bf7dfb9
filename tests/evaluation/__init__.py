"""Tests of likelihood bounds, latent statistics, sample quality, samplers, plots."""
