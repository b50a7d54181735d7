"""The bare baseline for the benches: production settings plus one bench-only view (never in
the production URLconf). Served with DJANGO_SETTINGS_MODULE=bare.settings and bench/ on the
path (bench/_harness.py does both)."""
