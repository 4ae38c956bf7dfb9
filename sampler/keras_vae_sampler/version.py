"""The device package's version, defined in one place."""

__version__ = "0.1.0"
