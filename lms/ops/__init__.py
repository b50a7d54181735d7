"""Running the platform: the processes `make run` supervises, backups, /healthz, the static
files storage for production and the worker round-trip tasks the ops tests use."""
