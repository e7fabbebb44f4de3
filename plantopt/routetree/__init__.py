"""The feed-tracking route tree (tree.py) and its numba coefficient kernel (kernels.py)."""
