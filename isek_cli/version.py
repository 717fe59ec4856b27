"""isek's version, in a module of its own so that low layers (the cache key) can read it
without importing the package's public API."""

__version__ = "0.1.0"
