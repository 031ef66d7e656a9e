"""The fuzz suite: bad values, ids, matrices and files against every public entry point."""
