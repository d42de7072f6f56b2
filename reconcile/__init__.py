"""reconcile: match, merge and compare competing casualty accounts of one event."""

from __future__ import annotations

__version__ = "0.1.0"
