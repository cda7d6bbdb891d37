"""fintui: a terminal operations console for containerised financial workloads."""

__version__ = "0.1.0"
