"""Random draws that can be replayed, so stochastic layers are gradient-checkable.

A stochastic op (dropout, noise) takes its random numbers through
:func:`draw_random` instead of calling its generator directly. Normally that is
just ``sample(generator)``. Inside a :class:`RandomTape`'s :meth:`~RandomTape.replaying`
scope, the first pass records every draw and later passes get the same arrays
back in the same order, which is how :func:`~minigrad.gradcheck` holds dropout
masks fixed across its many function evaluations.

The replaying scope belongs to the thread and asyncio task that opened it: draws made
meanwhile by other threads or tasks (which may run while it awaits) are neither
recorded nor replayed, and a new thread starts without a tape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

__all__ = ["RandomTape", "draw_random"]

#: The tape replaying in the running thread (or asyncio task), if any.
_current: ContextVar[RandomTape | None] = ContextVar("minigrad_random_tape", default=None)


def draw_random(
    generator: np.random.Generator, sample: Callable[[np.random.Generator], np.ndarray]
) -> np.ndarray:
    """Return ``sample(generator)``, or the recorded draw while a tape is replaying.

    Example:
        >>> import numpy as np
        >>> import minigrad as mg
        >>> rng = np.random.default_rng(0)
        >>> tape = mg.RandomTape()
        >>> with tape.replaying():
        ...     first = mg.draw_random(rng, lambda g: g.random(3))
        >>> with tape.replaying():
        ...     again = mg.draw_random(rng, lambda g: g.random(3))
        >>> bool((first == again).all())
        True
    """
    tape = _current.get()
    if tape is None:
        return sample(generator)
    return tape._next(generator, sample)


class RandomTape:
    """Records the random draws of one evaluation and replays them in later ones.

    Example:
        >>> import minigrad as mg
        >>> tape = mg.RandomTape()
        >>> len(tape)
        0
    """

    def __init__(self) -> None:
        self._draws: list[np.ndarray] = []
        self._position = 0
        self._origins: dict[int, tuple[np.random.Generator, dict]] = {}  # id -> (generator, state)

    def __len__(self) -> int:
        return len(self._draws)

    @contextmanager
    def replaying(self) -> Iterator[RandomTape]:
        """Scope in which draws are recorded (first time) or replayed (afterwards), in
        the running thread or asyncio task only.

        Example:
            >>> import minigrad as mg
            >>> with mg.RandomTape().replaying() as tape:
            ...     isinstance(tape, mg.RandomTape)
            True
        """
        previous = _current.get()
        _current.set(self)
        self._position = 0
        try:
            yield self
        finally:
            _current.set(previous)

    def rewind(self) -> None:
        """Start replaying from the first recorded draw again (a new evaluation).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> rng = np.random.default_rng(0)
            >>> tape = mg.RandomTape()
            >>> with tape.replaying():
            ...     first = mg.draw_random(rng, lambda g: g.random(2))
            ...     tape.rewind()
            ...     again = mg.draw_random(rng, lambda g: g.random(2))
            >>> bool((first == again).all())
            True
        """
        self._position = 0

    def restore_generators(self) -> None:
        """Put every generator the tape recorded draws from back in the state it had
        before its first recorded draw, as if nothing had been drawn (so checking a
        model with dropout between training steps does not change the training run).

        Example:
            >>> import numpy as np
            >>> import minigrad as mg
            >>> rng = np.random.default_rng(0)
            >>> tape = mg.RandomTape()
            >>> with tape.replaying():
            ...     drawn = mg.draw_random(rng, lambda g: g.random(2))
            >>> tape.restore_generators()
            >>> bool((rng.random(2) == drawn).all())
            True
        """
        for generator, state in self._origins.values():
            generator.bit_generator.state = state

    def _next(self, generator: np.random.Generator, sample: Callable) -> np.ndarray:
        if self._position == len(self._draws):
            if id(generator) not in self._origins:
                self._origins[id(generator)] = (generator, generator.bit_generator.state)
            self._draws.append(_copy(sample(generator)))
        value = self._draws[self._position]
        self._position += 1
        return _copy(value)  # callers may scale a mask in place; the record stays intact


def _copy(value: np.ndarray) -> np.ndarray:
    return value.copy() if isinstance(value, np.ndarray) else value
