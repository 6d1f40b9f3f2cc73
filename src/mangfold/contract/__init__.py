"""The input data contract: schemas, readers and validation."""
