"""Figures for the depth lab."""

__all__ = []
