"""Tests of what fit reports, distribution, resume and reliability."""
