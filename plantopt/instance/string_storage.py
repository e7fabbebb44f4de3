"""pandas' ``str`` columns held as Python strings in plantopt's own processes.

pandas 3 stores a text column in a pyarrow array when pyarrow is installed. Reading an
instance, checking it, building the route tree and the result tables walk those columns
element by element (``zip(df["unit_id"], df["feed_class"])``, ``set(df["material"])``), and each
element of a pyarrow column is boxed one at a time: a generated S batch job spent ~20 % of its
CPU there (load 48 -> 34 ms, solve and tables 111 -> 91 ms per job, measured 2026-12-01 on a
2-core machine). With ``mode.string_storage = "python"`` the same ``str`` dtype (same values,
same missing-value NaN, same Parquet ``string`` type) is held as Python objects.

The command line and the batch workers set it for their process (:func:`use_python_strings`);
the library leaves the user's pandas options alone.
"""

from __future__ import annotations

OPTION = "mode.string_storage"


def use_python_strings() -> None:
    """Hold the ``str`` columns that pandas makes from now on in this process as Python
    strings (an option of the process, not of one frame)."""
    import pandas as pd

    pd.set_option(OPTION, "python")
