"""Tests of models, layers, likelihoods, objectives, builders, presets."""
