"""filmreco: recommendation, social propagation and Chinese-first search for film marketing."""

from ._version import __version__

__all__ = ["__version__"]
