"""Case files for the archive authority and for export: JSON records and reading copies."""
