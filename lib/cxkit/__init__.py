"""cxkit: the library behind cx-playbooks.

Every statistic, reader, chart theme and the engagement runner live here; the
notebooks under ``notebooks/`` only call these functions and tell the story.
Heavy libraries (pandas, matplotlib, papermill, dask) are imported inside the
modules that use them so that ``import cxkit`` stays cheap.
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("cxkit")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+src"

from .errors import CxError, ConfigError, DataError  # noqa: E402,F401

__all__ = ["__version__", "CxError", "ConfigError", "DataError"]
