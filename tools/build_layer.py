"""Builds the Lambda dependency layer without Docker: the runtime dependencies of pyproject.toml,
installed by pip as the Lambda platform's wheels (arm64, CPython 3.13). boto3 is left out on
purpose: the Lambda runtime provides it.

Usage: python -m tools.build_layer <target_dir>   (the layer asset is the parent of <target_dir>,
which Lambda mounts so that <target_dir> is /opt/python)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.13"
DONE_MARKER = ".built"
# Pulled in transitively (a dependency that needs botocore) but provided by the Lambda runtime: a second,
# different botocore on /opt/python would shadow the runtime's and no longer match its boto3.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")


def runtime_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    with pyproject.open("rb") as file:
        return list(tomllib.load(file)["project"]["dependencies"])


def pip_command(target: Path, dependencies: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--only-binary=:all:",
        "--platform",
        PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--upgrade",
        "--target",
        str(target),
        *dependencies,
    ]


def prune(target: Path) -> None:
    """Drop what the runtime provides, console scripts and bytecode caches."""
    doomed = [target / "bin", *target.rglob("__pycache__")]
    for name in RUNTIME_PROVIDED:
        doomed += [target / name, *target.glob(f"{name}-*.dist-info")]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)


def build(target: Path) -> None:
    # Start clean: a stale package left from an older pyproject would ship in the layer.
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    subprocess.run(pip_command(target, runtime_dependencies()), check=True)  # noqa: S603
    prune(target)
    (target / DONE_MARKER).touch()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.build_layer <target_dir>", file=sys.stderr)
        return 2
    build(Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
