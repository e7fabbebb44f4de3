"""EU regulation layer: targets as data, compliance from result tables, infeasibility diagnosis.

* :mod:`.targets` — the versioned targets table and the targets in force in a year;
* :mod:`.terms` — linear terms of every target ratio and offtake contract;
* :mod:`.compliance` — compliance and contract tables recomputed from the result tables;
* :mod:`.diagnosis` — elastic re-solve explaining an infeasible instance in plain words;
* :mod:`.checks` — cross-table checks of the regulation inputs.

The model block itself is :mod:`plantopt.model.families.regulation`.
"""
