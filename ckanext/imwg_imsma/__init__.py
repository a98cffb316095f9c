"""imwg_imsma: importing mine-action (IMSMA) exports into shareable aggregates by P-code."""
