"""The course's scripts (build, site, student edition, lock check, preflight, Colab cell), importable: tools.<name>."""
