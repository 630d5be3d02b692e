"""The departments' upload batches are kept and shown on the app's own pages (指标与填报), not in admin: a
batch changes only through the upload service, which checks, stores and logs it. The statistics they write
are in admin with the scheme's other parts (assessment/admin.py)."""
