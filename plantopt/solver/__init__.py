"""The one module that talks to the solver API (highs.py): HiGHS hand-off, status, tie-break."""
