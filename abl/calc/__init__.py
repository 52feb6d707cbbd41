"""Pure borrowing-base calculation: no Django import anywhere below here.

Decimal in, frozen dataclasses out. See docs/rules.md for each rule worked on
the Innotrac letter.
"""
