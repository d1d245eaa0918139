"""scrapegate schema"""

from __future__ import annotations

import json

import click

__all__ = ["schema"]


@click.command()
def schema() -> None:
    """Print the JSON Schema of a scrapegate/v1 CollectionJob manifest.

    Point your editor's YAML language server at it for completion and checking.

    \b
    Example:
      scrapegate schema > collectionjob.schema.json
      # yaml-language-server: $schema=./collectionjob.schema.json
    """
    from gate.model.job import CollectionJob

    doc = CollectionJob.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "scrapegate/v1 CollectionJob"
    click.echo(json.dumps(doc, indent=2))
