"""reconcile: match, merge and compare competing casualty accounts of one event."""

from __future__ import annotations

__version__ = "0.1.0"

from reconcile.load import load_case

__all__ = ["__version__", "load_case"]
