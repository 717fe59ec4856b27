"""isek: a city's integrated urban development concept (ISEK) as plain-text plan files."""

__version__ = "0.1.0"
