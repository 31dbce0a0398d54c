"""`python -m reportkit`."""

from reportkit.cli import main

main()
