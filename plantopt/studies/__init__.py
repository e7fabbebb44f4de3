"""Studies that solve many times: break-even (breakeven.py), Pareto fronts (pareto.py),
tornado sensitivity (sensitivity.py, sensitivity_groups.py, tornado_plot.py)."""
