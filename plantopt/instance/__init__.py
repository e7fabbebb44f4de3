"""Instances: the schema (single source of truth for every column), reading, checks, writing
and generated instances. The lowest layer: imports nothing else of plantopt."""
