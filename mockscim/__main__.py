"""Allow ``python -m mockscim``."""

from mockscim.cli import main

if __name__ == "__main__":
    main()
