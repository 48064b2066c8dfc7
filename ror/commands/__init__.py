"""The `ror` command's jobs, one module per family; ``ror/cli.py`` parses and dispatches."""
