"""Figures for the one_neuron lab."""

__all__ = []
