"""The promise registry is complete and true to the tree: every promise has a test that declares
it proves it, every declared promise exists, and every module named as enforcing one exists. Take a
marker away from the last test of a promise and this fails."""

from pathlib import Path

import pytest

from consentmail.core.promises import BY_ID, PROMISES
from tools.promise_tests import proving_tests


@pytest.fixture(scope="module")
def declared():
    return proving_tests()


def test_every_promise_is_proved_by_at_least_one_test(declared):
    proved = {test.promise_id for test in declared}
    unproved = [promise.id for promise in PROMISES if promise.id not in proved]
    assert unproved == [], f"promises without a test marked @pytest.mark.promise(...): {unproved}"


def test_every_marker_names_a_promise_of_the_registry(declared):
    unknown = [test.node_id + " -> " + test.promise_id for test in declared if test.promise_id not in BY_ID]
    assert unknown == [], f"markers naming no promise of consentmail.core.promises: {unknown}"


def test_every_enforcing_module_exists():
    from tools.promise_tests import module_path

    missing = [(p.id, m) for p in PROMISES for m in p.modules if not module_path(m).is_file()]
    assert missing == [], f"modules named in the registry that do not exist: {missing}"


def test_ids_are_unique_and_statements_are_one_line():
    assert len(BY_ID) == len(PROMISES)
    for promise in PROMISES:
        assert promise.statement and "\n" not in promise.statement, promise.id
        assert promise.modules, promise.id


def test_a_test_tree_with_a_marker_removed_leaves_its_promise_unproved(tmp_path: Path, monkeypatch):
    """The check above reads markers from the sources: a promise whose only marker is gone is
    reported, and a marker naming nothing is found."""
    import tools.promise_tests as scanner

    monkeypatch.setattr(scanner, "REPOSITORY", tmp_path)
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_sample.py").write_text(
        "import pytest\n\n"
        '@pytest.mark.promise("retention.content.6d", "no.such.promise")\n'
        "def test_marked():\n    pass\n\n"
        "def test_unmarked():\n    pass\n\n"
        "class TestGrouped:\n"
        '    @pytest.mark.promise("logs.masked")\n'
        "    def test_in_a_class(self):\n        pass\n"
    )

    found = {(t.name, t.promise_id) for t in scanner.proving_tests(tests)}

    assert found == {
        ("test_marked", "retention.content.6d"),
        ("test_marked", "no.such.promise"),
        ("test_in_a_class", "logs.masked"),
    }
