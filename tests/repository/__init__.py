"""Tests of packaging, notebooks."""
