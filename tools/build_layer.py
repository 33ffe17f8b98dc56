"""Builds what the Lambda functions run, without Docker:

- the dependency layer: the runtime dependencies of pyproject.toml, installed by pip as the Lambda
  platform's wheels (arm64, CPython 3.13). boto3 is left out on purpose: the Lambda runtime
  provides it;
- the shared layer (the `consentmail` package) and each function's code folder, copied from the
  source tree (`build_code`, run by the CDK app at every synthesis, so they are never stale).

Each is shipped with its bytecode when this machine has an interpreter of the runtime's version
(`runtime_python`: CPython 3.13, as Lambda's python3.13 runtime; bytecode is the same for every
3.13 release): Lambda's /opt and /var/task are read-only, so without it every cold start compiles
every module it imports from source. The bytecode is `unchecked-hash`: the asset zip does not keep
modification times, which timestamp-checked bytecode would need, and the layers never change in
place. Without such an interpreter nothing is compiled (never bytecode of another version, which
Lambda would ignore): the build says so.

Usage: python -m tools.build_layer <target_dir>   (the layer asset is the parent of <target_dir>,
which Lambda mounts so that <target_dir> is /opt/python)."""

import os
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.13"
DONE_MARKER = ".built"
# Pulled in transitively (a dependency that needs botocore) but provided by the Lambda runtime: a second,
# different botocore on /opt/python would shadow the runtime's and no longer match its boto3.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
# Where Lambda mounts a layer's python/ folder and the function's code.
LAYER_ROOT = "/opt/python"
CODE_ROOT = "/var/task"
# What the copies of our code leave out.
NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache")


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


@cache
def runtime_python() -> str | None:
    """An interpreter of the Lambda runtime's version (PYTHON_VERSION) on this machine: this one,
    `python3.13` on the PATH, or a pyenv installation; None when there is none."""
    candidates = [sys.executable, shutil.which(f"python{PYTHON_VERSION}")]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if pyenv.is_dir():
        candidates += [
            str(path) for path in sorted(pyenv.glob(f"{PYTHON_VERSION}.*/bin/python{PYTHON_VERSION}"))
        ]
    for candidate in candidates:
        if candidate and _version(candidate) == PYTHON_VERSION:
            return candidate
    return None


def _version(python: str) -> str | None:
    try:
        result = subprocess.run(  # noqa: S603 - an interpreter found on this machine
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def compile_bytecode(target: Path, deployed_at: str) -> bool:
    """Compile every module under `target` with the runtime's interpreter (unchecked-hash bytecode
    whose file names read as `deployed_at`); False, compiling nothing, when there is none."""
    python = runtime_python()
    if python is None:
        print(
            f"no CPython {PYTHON_VERSION} on this machine: {target} ships without bytecode "
            "(every cold start compiles what it imports)",
            file=sys.stderr,
        )
        return False
    # Modules that are not Python 3.13 source (a package's templates or test data) fail to compile
    # and are left without bytecode: compileall's exit status says only that some did.
    subprocess.run(  # noqa: S603 - the runtime's interpreter on our own build output
        [
            python,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(target.resolve()),
            "-p",
            deployed_at,
            str(target.resolve()),
        ],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    return True


def build_code(source: Path, target: Path, deployed_at: str) -> Path:
    """`source` copied to `target` (replaced) without caches, with the runtime's bytecode."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=NOT_SHIPPED)
    compile_bytecode(target, deployed_at)
    return target


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
    compile_bytecode(target, LAYER_ROOT)
    (target / DONE_MARKER).touch()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.build_layer <target_dir>", file=sys.stderr)
        return 2
    build(Path(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
