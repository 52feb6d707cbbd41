"""Processing a received collateral file, a module per concept.

`claims` (a worker's hold on a file), `rows` (writing and removing its rows),
`acceptance` (a file read, stored, then accepted and its draft recomputed, or
refused) and `sweep` (files whose worker died; tables no file owns). Callers
import the module they need.
"""
