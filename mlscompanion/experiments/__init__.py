"""The computations behind each lab and the demo: functions that take a budget
(epochs, sizes) and return results. Notebooks call them and plot; tests call
them with a small budget and assert the lab's claim.
"""
