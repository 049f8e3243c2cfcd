"""The tracker: the callback, its figures, its pictures (unit maps)."""
