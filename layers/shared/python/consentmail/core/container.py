"""What lives as long as a Lambda container: settings, AWS clients, the signing keys and every
service a function builds. Each is made lazily, on first use (no I/O at import, so moto and
settings fixtures work and cold starts stay small), by a factory decorated with `per_container`.

`reset_all()` forgets every one of them at once, as a new container would: tests that start a
fresh emulator and local mode call it instead of clearing caches one by one."""

from collections.abc import Callable
from functools import cache
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class _Cached(Protocol[P, T]):
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T: ...

    def cache_clear(self) -> None: ...


_registry: list[Callable[[], None]] = []


def per_container(factory: Callable[P, T]) -> _Cached[P, T]:
    """`factory`'s result, made once per container (once per distinct arguments) and kept until
    `reset_all()`. Tests replace a dependency by monkeypatching the factory's module attribute."""
    cached = cache(factory)
    _registry.append(cached.cache_clear)
    return cached  # type: ignore[return-value]


def reset_all() -> None:
    """Forget everything made per container: the next use builds it again from the current
    environment (the emulator's endpoint, a test's settings)."""
    for clear in _registry:
        clear()
