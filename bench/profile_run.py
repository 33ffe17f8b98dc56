"""Where a local-mode campaign's time goes: `python -m bench.profile_run [--recipients 300]`
runs the same campaign as the cost benchmark under cProfile in every thread (the gateway's, the
emulator's per-request threads, the queue workers, the SES simulator) and prints the CPU time by
package (moto, werkzeug, botocore, our code, ...). It is how we found what bounds local mode's
throughput; `make bench` does not run it."""

import argparse
import cProfile
import pstats
import sys
import threading
from collections import defaultdict

from bench.campaign import run_campaign

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(*_args) -> None:
    profile = cProfile.Profile()
    with _lock:
        _profiles.append(profile)
    sys.setprofile(None)
    profile.enable()


def package_of(filename: str) -> str:
    path = filename.replace("\\", "/")
    for marker in ("site-packages/", "layers/shared/python/"):
        if marker in path:
            return path.split(marker, 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/functions/" in path:
        return "functions"
    if "/infra/local/" in path:
        return "infra.local"
    if "/tests/" in path:
        return "tests (benchmark)"
    if path.startswith("~") or "<" in path:
        return "builtins"
    return "stdlib"


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        totals[package_of(filename)] += tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_run", description=__doc__)
    parser.add_argument("--recipients", type=int, default=300)
    parser.add_argument("--dump", help="also write the merged profile here (pstats format)")
    args = parser.parse_args(argv)
    threading.setprofile(_start_in_thread)
    main_profile = cProfile.Profile()
    main_profile.enable()
    try:
        run = run_campaign(args.recipients)
    finally:
        main_profile.disable()
        threading.setprofile(None)
    stats = pstats.Stats(main_profile)
    for profile in list(_profiles):
        try:
            profile.create_stats()
            stats.add(profile)
        except Exception as error:  # a thread still running
            print(f"skipped a thread profile: {error}", file=sys.stderr)
    if args.dump:
        stats.dump_stats(args.dump)
    total = sum(seconds for _name, seconds in by_package(stats))
    print(f"{run.sent} emails; CPU seconds by package, all threads ({total:.1f} s in all):")
    for name, seconds in by_package(stats)[:15]:
        print(f"  {name:28s} {seconds:7.1f} s  {seconds / total:6.1%}")
    print("\nTop functions by own time (blocking waits included, summed over threads):")
    stats.sort_stats("tottime").print_stats(15)
    print("\nThe emulator's work per request:")
    stats.sort_stats("cumulative").print_stats(r"moto/(moto_server|core/responses|dynamodb/responses)", 12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
