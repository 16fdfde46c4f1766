"""Build the Hugging Face dataset folder: python build_dataset.py [--root DIR] [--out DIR].

A thin entry point; the work is done by `claimstance build` (claimstance.dataset.build).
"""

import sys

from claimstance.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]], prog_name="build_dataset.py")
