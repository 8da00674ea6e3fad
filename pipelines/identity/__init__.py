"""Identity resolution: every candidate record from every source resolved to a person."""
