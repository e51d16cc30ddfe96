"""Reports for the union's upper level: the forms of seed 002 and the 60% target.

Design overview:
- `forms`: Phụ lục 01 (monthly) and 02 (annual) transcribed row by row as data
  (`forms/*.json`); each row is a heading, a figure computed from the ledger with its rule,
  or a value entered by hand (`manual`).
- `asof`, `measures`: figures are SQL over the money read model for a unit's whole subtree,
  counting only events before a signed checkpoint, so an export is reproducible byte for
  byte and names the checkpoint (tree size, Merkle root) it was computed at.
- `compute`: fills a form and explains a figure (the events behind it); `manual`: the
  hand-entered rows; `export`: XLSX / CSV / JSON; `structure`, `charts`: welfare share and
  category shares against the policy, as tables and matplotlib charts.
"""
