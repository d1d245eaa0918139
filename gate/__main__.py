"""`python -m gate` runs the command line."""

from gate.cli import main

main()
