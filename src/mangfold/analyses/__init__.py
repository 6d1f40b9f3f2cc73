"""One module per report area: store queries in, contract tables out (with their TableSpec)."""
