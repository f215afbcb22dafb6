"""The ``civharm`` command: parse input, call services, render output."""
