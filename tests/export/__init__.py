"""Tests of the exporter, its formats, the sampling graph, the manifest."""
