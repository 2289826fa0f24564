"""Command-line tools: the sample-data generator, the year runner, the benchmark."""
