"""The machinery every part of the product shares: spreadsheets, bulk writes, the outbox of background
jobs, stored uploads and documents, the upload form and the filter-set base.

It is the lowest floor: it knows nothing of schemes, cadres or records, and imports no other app of the
product (docs/architecture.md; tests/test_layers.py holds the rule).
"""
