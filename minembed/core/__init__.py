"""What every method stands on and no method owns: the sparse matrix, the estimator protocol, safe file writing."""
