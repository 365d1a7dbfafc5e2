"""The package's version (kept equal to pyproject.toml's; a model file records it)."""

__version__ = "0.1.0.dev0"
