"""Reports: read flags and village scores, write what people read. Computes nothing new."""
