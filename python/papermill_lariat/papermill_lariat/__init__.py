"""papermill parameters for Lariat notebooks: importing this package
registers LariatTranslator for the kernel and language `lariat`.

papermill imports this package itself (through the `papermill.engine` entry
point `lariat`), so `papermill in.ipynb out.ipynb -p n 7` needs nothing more
than the package being installed beside papermill.
"""
# papermill first, whole: it loads our engine entry point while it is
# imported, and that must not find one of our modules half made (which
# would happen if a module of ours imported papermill first).
import papermill  # noqa: F401  isort: skip

from .engine import LariatEngine
from .translator import KEYWORDS, LariatParameterError, LariatTranslator, register

register()

__all__ = ["KEYWORDS", "LariatEngine", "LariatParameterError", "LariatTranslator", "register"]
__version__ = "0.1.0"
