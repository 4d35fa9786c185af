"""BeautifulSoup, imported without the optional modules it would load and phi-lint never uses.

`import bs4` also imports `soupsieve` (CSS selectors: it compiles its grammar's regular expressions at
import) and an encoding detector (`charset_normalizer` or `chardet`, for bytes of unknown encoding).
phi-lint parses text it has already decoded and never selects by CSS, and the two were about 70 ms of
the ~120 ms `bs4` import: most of a pre-commit check of one LWC template. bs4 treats both as optional
(a missing one is an ImportError it handles), so they are made absent while bs4 is imported, and
present again afterwards for any other code in the process. Importing `bs4` through this module only
matters for the first import in a process: if bs4 is already loaded, it is used as it is.
"""

from __future__ import annotations

import sys
import warnings

# bs4's optional imports that phi-lint has no use for (see the module docstring).
_UNUSED_OPTIONAL_MODULES = ("soupsieve", "cchardet", "chardet", "charset_normalizer")


def _import_bs4_lean() -> None:
    if "bs4" in sys.modules:
        return
    hidden = [name for name in _UNUSED_OPTIONAL_MODULES if name not in sys.modules]
    for name in hidden:
        # A None entry makes `import name` raise ImportError without looking for the module.
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        with warnings.catch_warnings():
            # bs4 warns at import that CSS selectors cannot be used without soupsieve.
            warnings.simplefilter("ignore")
            import bs4  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]


_import_bs4_lean()

from bs4 import BeautifulSoup, Tag  # noqa: E402
from bs4.element import NavigableString, PreformattedString  # noqa: E402

__all__ = ["BeautifulSoup", "NavigableString", "PreformattedString", "Tag"]
