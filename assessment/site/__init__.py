"""The site: the top floor, where the domains are put together.

It holds what reads or drives several domains at once — the period dashboard (uploads, results, warnings
and rectification side by side), the demo district's loader, backups and restores of the whole database,
the request middleware — beside the project's settings, URLs and Celery app in ``assessment/``. Nothing
below imports it (docs/architecture.md).
"""
