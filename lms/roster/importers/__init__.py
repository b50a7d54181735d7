"""The roster importers, one module each (`members`, `organizations`), and what they share (`base`)."""
