"""Studies that solve many times: break-even (breakeven.py), Pareto fronts (pareto.py)."""
