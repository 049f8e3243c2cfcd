"""Figures for the reproducibility lab."""

__all__ = []
