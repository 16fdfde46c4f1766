"""croissant.json (ML Croissant 1.0) for the built folder: one RecordSet per config.

Written as plain JSON-LD (no runtime dependency on mlcroissant); the tests load it with
mlcroissant, check it validates, and read records through it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .features import (
    CONFIGS,
    DESCRIPTIONS,
    PRETTY_NAME,
    ClassLabel,
    Feature,
    List,
    Value,
    spec,
)
from .result import BuildResult

CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs",
    "column": "cr:column", "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract",
    "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key",
    "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}
SPDX_URL = "https://spdx.org/licenses/{}.html"


def _data_type(feature: Feature) -> str:
    while isinstance(feature, List) and not isinstance(feature.feature, dict):
        feature = feature.feature  # a list of lists (token offsets): its values' type
    if isinstance(feature, ClassLabel):
        return "sc:Integer"
    if isinstance(feature, Value) and feature.dtype.startswith("int"):
        return "sc:Integer"
    return "sc:Text"


def _field(record: str, name: str, feature: Feature, file_set: str,
           column: str | None = None, path: str | None = None) -> dict[str, Any]:
    fid = f"{record}/{name}" if path is None else f"{record}/{column}/{name}"
    source: dict[str, Any] = {"fileSet": {"@id": file_set},
                              "extract": {"column": column or name}}
    if path is not None:
        source["transform"] = {"jsonPath": path}
    out: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": name}
    desc = DESCRIPTIONS.get(name)
    labels = feature.feature if isinstance(feature, List) else feature
    if isinstance(labels, ClassLabel):
        desc = f"{desc or 'Label'} Class index into: {', '.join(labels.names)}."
    if desc:
        out["description"] = desc
    if isinstance(feature, List):
        out["repeated"] = True
        inner = feature.feature
        if isinstance(inner, dict):
            out["subField"] = [_field(record, sub, sf, file_set, column=name, path=sub)
                               for sub, sf in inner.items()]
            return out
        feature = inner
    out["dataType"] = _data_type(feature)
    out["source"] = source
    return out


def croissant(result: BuildResult, *, name: str, description: str, version: str,
              date: str | None, cite_as: str, url: str) -> dict[str, Any]:
    licenses = sorted(lic for lic in result.licenses if lic)
    distribution = []
    record_sets = []
    for config in CONFIGS:
        if config not in result.splits:
            continue
        fs = f"parquet-{config}"
        distribution.append({"@type": "cr:FileSet", "@id": fs, "name": fs,
                             "description": f"Parquet shards of the {config} config.",
                             "encodingFormat": "application/x-parquet",
                             "includes": f"data/{config}/*.parquet"})
        record_sets.append({
            "@type": "cr:RecordSet", "@id": config, "name": config,
            "description": f"The {config} config ({sum(result.splits[config].values())} rows).",
            "field": [_field(config, n, f, fs) for n, f in spec(config).items()],
        })
    out: dict[str, Any] = {
        "@context": CONTEXT, "@type": "sc:Dataset", "name": name, "description": description,
        "conformsTo": "http://mlcommons.org/croissant/1.0", "citeAs": cite_as, "url": url,
        "version": version,
        "license": [SPDX_URL.format(lic) for lic in licenses] if licenses and None not in
        result.licenses else "unknown",
        "inLanguage": sorted(result.languages) or ["en"],
        "keywords": ["claims", "stance detection", "news", "entity mentions"],
        "distribution": distribution, "recordSet": record_sets,
    }
    if date:
        out["datePublished"] = date
    return out


def write_croissant(out: Path, result: BuildResult) -> None:
    release = result.release
    data = croissant(
        result, name=release.title or PRETTY_NAME,
        description="News articles annotated with entity mentions, claims (with claimant and "
        "type) and stances, with exact code-point offsets.",
        version=release.version or "0.0.0", date=release.date,
        cite_as=release.bibtex() or PRETTY_NAME,
        url=str((release.citation or {}).get("url") or "https://huggingface.co/datasets"))
    (out / "croissant.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
