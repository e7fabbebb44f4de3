"""Row families by concern, each a function from one period's model data to
:class:`~plantopt.model.family.Family` arrays (see :mod:`plantopt.model.build` for the order).
"""
