"""Superset 5.0's own import schemas over a V1 bundle folder, without a running server.

Run with the Python of scripts/superset-venv.sh. Loads every YAML file of the bundle through the
marshmallow schema Superset's importer uses for its folder (ImportV1DatabaseSchema, ImportV1DatasetSchema,
ImportV1ChartSchema, ImportV1DashboardSchema; MetadataSchema for metadata.yaml) exactly as
superset/commands/importers/v1/utils.py load_configs does, and prints one JSON document as its last line:
  {"schemas": {kind: {"required": [...], "optional": [...]}},
   "bundles": {folder: {path: null | [error messages]}}}
The field lists let the caller compare its own copy (src/targets/superset/checks.ts) with the real ones.
  usage: python superset-import-check.py <bundle folder>...
"""
import json
import os
import sys
import tempfile

bundles = sys.argv[1:]
if not bundles:
    sys.exit("usage: superset-import-check.py <bundle folder>...")
state = tempfile.mkdtemp(prefix="cdc-superset-check-")
config = os.path.join(state, "superset_config.py")
with open(config, "w") as f:
    f.write(f"SECRET_KEY = {os.urandom(16).hex()!r}\nSQLALCHEMY_DATABASE_URI = 'sqlite:///{state}/x.db'\n")
os.environ["SUPERSET_CONFIG_PATH"] = config

import yaml  # noqa: E402
from superset.app import create_app  # noqa: E402

app = create_app()
with app.app_context():
    # The database schema's hooks look up existing databases: an empty metadata database answers them.
    from superset.extensions import db

    db.create_all()
    from superset.charts.schemas import ImportV1ChartSchema
    from superset.commands.importers.v1.utils import MetadataSchema
    from superset.dashboards.schemas import ImportV1DashboardSchema
    from superset.databases.schemas import ImportV1DatabaseExtraSchema, ImportV1DatabaseSchema
    from superset.datasets.schemas import ImportV1ColumnSchema, ImportV1DatasetSchema, ImportV1MetricSchema

    kinds = {
        "metadata": MetadataSchema,
        "database": ImportV1DatabaseSchema,
        "databaseExtra": ImportV1DatabaseExtraSchema,
        "dataset": ImportV1DatasetSchema,
        "datasetColumn": ImportV1ColumnSchema,
        "datasetMetric": ImportV1MetricSchema,
        "chart": ImportV1ChartSchema,
        "dashboard": ImportV1DashboardSchema,
    }
    schemas = {}
    for kind, schema in kinds.items():
        fields = schema().fields
        schemas[kind] = {
            "required": sorted(k for k, v in fields.items() if v.required),
            "optional": sorted(k for k, v in fields.items() if not v.required),
        }
    # What the assets import endpoint does before it writes anything: the metadata file, then every
    # asset file through ImportAssetsCommand's schemas, the database password from the `passwords` field.
    from marshmallow import ValidationError
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.commands.importers.v1.utils import is_valid_config, load_configs, load_metadata, validate_metadata_type

    def check(bundle):
        contents = {}
        for folder, _, names in os.walk(bundle):
            for name in names:
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    contents[os.path.relpath(path, bundle).replace(os.sep, "/")] = f.read()
        files = {rel: None for rel in sorted(contents)}
        for rel in files:
            if rel != "metadata.yaml" and (not is_valid_config(rel) or f"{rel.split('/')[0]}/" not in ImportAssetsCommand.schemas):
                files[rel] = [f"the importer has no schema for {rel}"]
        exceptions = []
        try:
            validate_metadata_type(load_metadata(contents), "assets", exceptions)
        except Exception as e:  # IncorrectVersionError, ValidationError
            exceptions.append(e)
        passwords = {rel: "checked-without-a-server" for rel in contents if rel.startswith("databases/")}
        load_configs(contents, ImportAssetsCommand.schemas, passwords, exceptions, {}, {}, {})
        for e in exceptions:
            messages = e.messages if isinstance(e, ValidationError) and isinstance(e.messages, dict) else {"metadata.yaml": str(e)}
            for rel, message in messages.items():
                files[rel] = [*(files.get(rel) or []), json.dumps(message, sort_keys=True, default=str)]
        return files

    # Superset prints its own lines on stdout first: the result is the last line.
    print("\n" + json.dumps({"schemas": schemas, "bundles": {b: check(b) for b in bundles}}, sort_keys=True))
