"""Result tables read back from a solution (tables.py) and their plain-text rendering (text.py)."""
