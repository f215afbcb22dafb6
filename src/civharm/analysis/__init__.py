"""Pure analysis: parsers of the belligerent's documents, geography, matching, names,
linkage and estimation. No database, no Django."""
