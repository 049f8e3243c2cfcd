"""Figures for the zero_init lab."""

__all__ = []
