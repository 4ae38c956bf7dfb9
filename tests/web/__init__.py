"""Tests of the page and its servers in Chromium, LiteRT.js."""
