"""isek: a city's integrated urban development concept (ISEK) as plain-text plan files."""

from .version import __version__
