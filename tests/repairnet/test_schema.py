"""The OpenAPI schema validates without a warning and documents the bodies the endpoints read."""

import yaml
from django.core.management import call_command


def test_schema_validates_without_warnings_and_documents_what_actions_read(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))  # raises on any warning
    paths = yaml.safe_load(out.read_text())["paths"]

    def body(path):
        content = paths[path]["post"].get("requestBody", {}).get("content", {})
        return content.get("application/json", {}).get("schema", {}).get("$ref", "").rsplit("/", 1)[-1] or None

    assert body("/api/v1/spares/movements/{id}/reverse/") == "ReverseRequest"
    assert body("/api/v1/spares/stocktakes/{id}/approve/") == "DecisionRequest"
    assert body("/api/v1/spares/write-offs/{id}/reject/") == "DecisionRequest"
    assert body("/api/v1/spares/shipments/{id}/receive/") == "ShipmentReceiveRequest"
    assert body("/api/v1/spares/obligations/{id}/receive/") is None
