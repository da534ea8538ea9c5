"""The only file I/O of results: atomic writes, signed and typed manifests, safe output folders."""
