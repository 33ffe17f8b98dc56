"""The tiers keep themselves: a test module importing what its tier forbids is named, with the
rule, wherever in the module the import stands."""

from pathlib import Path

from tests.tiers import broken_rules

RULES = {"moto": "move it to tests/integration", "infra.local.runtime": "move it to tests/local"}


def module(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "test_example.py"
    path.write_text(source)
    return path


def test_an_import_inside_a_test_function_is_named_with_its_rule(tmp_path):
    path = module(tmp_path, "def test_x():\n    from moto import mock_aws\n")

    assert broken_rules(path, RULES) == ["test_example.py imports moto: move it to tests/integration"]


def test_a_submodule_or_a_name_imported_from_a_parent_counts(tmp_path):
    assert broken_rules(module(tmp_path, "import moto.ses.models\n"), RULES) == [
        "test_example.py imports moto: move it to tests/integration"
    ]
    assert broken_rules(module(tmp_path, "from infra.local import runtime\n"), RULES) == [
        "test_example.py imports infra.local.runtime: move it to tests/local"
    ]


def test_a_module_with_a_similar_name_passes(tmp_path):
    path = module(tmp_path, "import motor\nfrom infra.local import ses_simulator\n")

    assert broken_rules(path, RULES) == []
