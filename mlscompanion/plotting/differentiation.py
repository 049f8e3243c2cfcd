"""Figures for the differentiation lab."""

__all__ = []
