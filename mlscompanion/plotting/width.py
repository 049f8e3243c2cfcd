"""Figures for the width lab."""

__all__ = []
