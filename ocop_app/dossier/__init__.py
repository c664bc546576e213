"""Upgrade plans, the product dossier (hồ sơ), safe file storage and the self-assessment (mẫu 02)."""
