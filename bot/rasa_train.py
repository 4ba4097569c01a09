"""``python -m bot.rasa_train <rasa train arguments>``: Rasa's ``rasa train``, its archive gzipped at level 6.

Rasa writes the trained model as a ``.tar.gz`` with ``tarfile``'s ``"w:gz"``
(``LocalModelStorage.create_model_package``), whose gzip level is fixed at 9, the slowest. Most of
our archive is the topic model's SVM weights (116 MB of float32 numbers), which gzip barely
shrinks at any level: measured on that file, level 9 took 23 s in a profiled training (56.6 s with
another job on the second core) for 32 MB, level 6 8.0 s for 33 MB, level 1 2.9 s for 36 MB
(``docs/benchmarks.md``, "Training time profiled and cut"). Level 6 is zlib's own default. Decompressing, when a
model is loaded, is as fast at every level. Nothing else of ``rasa train`` changes: this only sets
the default level of ``tarfile``'s gzip writer in this process, then runs Rasa's command line.
"""

from __future__ import annotations

import sys
import tarfile
from typing import Any, Optional

#: The gzip level of the model archive (zlib's default; Rasa gets tarfile's 9).
ARCHIVE_LEVEL = 6


def use_archive_level(level: int = ARCHIVE_LEVEL) -> None:
    """Make ``tarfile.open(..., "w:gz")`` in this process compress at ``level`` unless told otherwise."""
    current: Any = tarfile.TarFile.gzopen
    original: Any = getattr(current, "__wrapped_gzopen__", current.__func__)

    def gzopen(cls: Any, name: Any, mode: str = "r", fileobj: Optional[Any] = None,
               compresslevel: int = level, **kwargs: Any) -> Any:
        return original(cls, name, mode, fileobj, compresslevel, **kwargs)

    gzopen.__wrapped_gzopen__ = original  # type: ignore[attr-defined]
    tarfile.TarFile.gzopen = classmethod(gzopen)  # type: ignore[assignment,method-assign]


def main() -> None:
    """Run ``rasa`` with this process's command-line arguments (``train ...``)."""
    use_archive_level()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
