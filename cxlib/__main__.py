"""``python -m cxlib`` is the same as the ``cxlib`` command."""

from .cli import main

raise SystemExit(main())
