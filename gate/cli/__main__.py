"""`python -m gate.cli` runs the command line."""

from gate.cli import main

main()
