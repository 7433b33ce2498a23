"""Using the vectors for a task: probes, classifiers (frozen or fine-tuned), word meaning in context."""
