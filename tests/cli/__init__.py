"""Tests of the command line and the catalogue of bad inputs."""
