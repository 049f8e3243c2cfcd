"""Figures for the coffee lab."""

__all__ = []
