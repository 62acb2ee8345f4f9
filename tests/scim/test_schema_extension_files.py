"""``--schema-extension FILE``: the packaged example loads; a wrong file is refused with
``file: $.path: what is wrong. how to fix it``, and ``mockscim serve`` exits 2 with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockscim.cli import main
from mockscim.config import ConfigError
from mockscim.schema_extensions import check_extension
from mockscim.schema_extensions import example_path
from mockscim.schema_extensions import load_extension_files

URN = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"


def _doc(*attributes: dict, **top: object) -> dict:
    """An extension document with these attributes."""
    return {"id": URN, "attributes": list(attributes), **top}


def test_packaged_example_loads():
    (schema,) = load_extension_files([example_path()])
    assert schema.id == "urn:ietf:params:scim:schemas:extension:mockscim:2.0:User"
    assert schema.attribute("costcenter").name == "costCenter"
    assert schema.attribute("badge").sub("number").case_exact is True


def test_a_schemas_entry_copied_from_a_server_loads():
    entry = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": URN,
        "name": "AcmeUser",
        "attributes": [
            {"name": "costCenter", "type": "string", "multiValued": False, "required": False},
            {
                "name": "pin",
                "type": "string",
                "mutability": "writeOnly",
                "returned": "never",
                "uniqueness": "none",
            },
        ],
        "meta": {"resourceType": "Schema", "location": "https://example.com/Schemas/x"},
    }
    schema = check_extension(entry, "copied.json")
    assert (schema.name, schema.attribute("pin").returned) == ("AcmeUser", "never")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "the file must be a mapping with id:"),
        ({"attributes": [{"name": "a"}]}, "$: missing required key 'id'. "),
        (_doc(), "$.attributes: [] should be non-empty"),
        ({"id": "acme", "attributes": [{"name": "a"}]}, "$.id: 'acme' does not match"),
        (_doc({"name": "a", "type": "strin"}), '"strin" is not one of: string, boolean'),
        (_doc({"name": "a", "type": "strin"}), "(did you mean 'string'?)"),
        (
            _doc({"name": "a", "multivalued": True}),
            "$.attributes[0]: unknown key 'multivalued'; did you mean 'multiValued'?",
        ),
        (_doc({"name": "1a"}), "$.attributes[0].name: '1a' does not match"),
        (_doc({"name": "a", "required": "yes"}), "$.attributes[0].required: 'yes' is not of type 'boolean'"),
        (_doc({"name": "a", "mutability": "writeonly"}), "(did you mean 'writeOnly'?)"),
        (_doc({"name": "a", "uniqueness": "server"}), "mockscim does not enforce uniqueness"),
        (_doc({"name": "a"}, {"name": "A"}), "$.attributes[1].name: 'A' is declared twice"),
        (_doc({"name": "a", "type": "complex"}), "$.attributes[0]: type complex needs subAttributes"),
        (
            _doc({"name": "a", "subAttributes": [{"name": "b"}]}),
            "only a type complex attribute has sub-attributes",
        ),
        (
            _doc({"name": "a", "type": "complex", "subAttributes": [{"name": "b", "type": "complex"}]}),
            '$.attributes[0].subAttributes[0].type: "complex" is not one of',
        ),
        (
            _doc({"name": "a", "required": True, "mutability": "readOnly"}),
            "a readOnly attribute cannot be required",
        ),
        (
            {
                "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "attributes": [{"name": "a"}],
            },
            "is built in; give your extension its own URN",
        ),
    ],
)
def test_wrong_documents_are_refused_with_where_and_how(document, message):
    with pytest.raises(ConfigError) as caught:
        check_extension(document, "ext.yaml")
    assert str(caught.value).startswith("ext.yaml: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.yaml", "id: [unclosed", "bad.yaml: not valid YAML"),
        ("bad.json", "{", "bad.json: not valid JSON"),
        ("empty.yaml", "", "empty.yaml: the file must be a mapping"),
        (
            "typo.yaml",
            f"id: {URN}\nattributes:\n  - {{name: a, type: int}}\n",
            "typo.yaml: $.attributes[0].type",
        ),
    ],
)
def test_serve_exits_2_naming_the_file(tmp_path: Path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--schema-extension", str(path)])
    assert result.exit_code == 2
    assert message in result.output


def test_two_files_with_one_urn_are_refused(tmp_path: Path):
    for name in ("one.json", "two.json"):
        (tmp_path / name).write_text(json.dumps(_doc({"name": "a"})))
    with pytest.raises(ConfigError, match="two.json: \\$.id: .* is already declared by another file"):
        load_extension_files([tmp_path / "one.json", tmp_path / "two.json"])


def test_missing_file_is_named(tmp_path: Path):
    result = CliRunner().invoke(main, ["serve", "--schema-extension", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml: cannot read the schema extension file" in result.output
