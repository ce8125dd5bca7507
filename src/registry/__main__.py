"""`python -m registry ...` is the same as the `registry` command."""

from registry.cli import main

main()
