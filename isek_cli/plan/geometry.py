"""Area outlines: GeoJSON files named by areas.yaml, read safely and checked.

An area's ``geometry`` names a ``.geojson`` file inside the plan folder. It is
read with the standard library's JSON parser (no code, no network), within a
size and a coordinate bound per file and for all outlines of a plan together, and must hold a Polygon or MultiPolygon in WGS84
longitude/latitude: a bare geometry, a Feature, or a FeatureCollection of
such Features (their polygons are merged). Everything else is a diagnostic:
at the file's own line and column for JSON syntax, at the ``geometry`` key of
areas.yaml for what the file holds.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat
from typing import Any

from .diagnostics import Loc, Problem

MAX_GEOMETRY_BYTES = 4 * 1024 * 1024
MAX_POSITIONS = 200_000  # per file; outlines for a report map need far fewer
# All outlines of one plan together (10,000 areas could each name a file of the size above).
MAX_GEOMETRY_TOTAL = 64 * 1024 * 1024
MAX_POSITIONS_TOTAL = 1_000_000


class Budget:
    """What one load may still read of area outlines, in bytes and positions."""

    def __init__(self) -> None:
        self.bytes, self.positions = MAX_GEOMETRY_TOTAL, MAX_POSITIONS_TOTAL


_CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}


class _Bad(Exception):
    pass


def read(root: str, rel: str, loc: Loc, snapshot: dict[str, bytes] | None = None, budget: Budget | None = None
         ) -> tuple[dict[str, Any] | None, list[Problem], bytes | None]:
    """(geometry as {"type": "MultiPolygon", "coordinates": …}, problems, the raw bytes read).

    ``budget`` is shared by the outlines of one load; what exceeds it is refused."""
    budget = budget or Budget()
    where = normal_path(rel)
    if where is None:
        return None, [_problem(loc, f"geometry '{rel}' is not a path inside the plan folder",
                               "write a path relative to the plan folder, e.g. areas/wollepark.geojson")], None
    if not where.endswith((".geojson", ".json")):
        return None, [_problem(loc, f"geometry '{rel}' is not a .geojson file",
                               "save the outline as GeoJSON (e.g. from QGIS: Export → GeoJSON, EPSG:4326)")], None
    raw, problem = _read_bytes(root, where, loc, snapshot)
    if problem is not None:
        return None, [problem], None
    budget.bytes -= len(raw)
    if budget.bytes < 0:
        return None, [_problem(loc, f"geometry '{where}': the plan's area outlines together are more than "
                                    f"{MAX_GEOMETRY_TOTAL:,} bytes", _SIMPLIFY)], raw
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, [_problem(loc, f"geometry '{where}' is not UTF-8 text", "save the GeoJSON file as UTF-8")], raw
    except json.JSONDecodeError as exc:
        return None, [Problem("E311", Loc(where), f"not valid JSON: {exc.msg}",
                              "GeoJSON is JSON: check brackets, commas and quotes at this position",
                              line=exc.lineno, col=exc.colno)], raw
    except ValueError:  # a number of more than 4,300 digits, which Python refuses to convert
        return None, [_problem(loc, f"geometry '{where}' holds a number with thousands of digits",
                               "export the outline again; coordinates are short decimal numbers")], raw
    except RecursionError:
        return None, [_problem(loc, f"geometry '{where}' is nested too deeply", "export the outline again")], raw
    try:
        polys = _polygons(doc)
    except _Bad as exc:
        message, hint = exc.args
        return None, [_problem(loc, f"geometry '{where}': {message}", hint)], raw
    budget.positions -= _positions(polys)
    if budget.positions < 0:
        return None, [_problem(loc, f"geometry '{where}': the plan's area outlines together have more than "
                                    f"{MAX_POSITIONS_TOTAL:,} positions", _SIMPLIFY)], raw
    return {"type": "MultiPolygon", "coordinates": polys}, [], raw


_SIMPLIFY = "simplify the outlines (e.g. QGIS: Vector → Geometry tools → Simplify)"


def file_bytes(root: str, rel: str) -> bytes | None:
    """The bytes of an outline file as :func:`read` takes them (inside the plan folder, a regular
    file, within the size limit), or None; for the cache, which checks whether one changed."""
    where = normal_path(rel)
    if where is None:
        return None
    raw, problem = _read_bytes(root, where, Loc(where), None)
    return raw if problem is None else None


def normal_path(rel: str) -> str | None:
    if not isinstance(rel, str) or "\\" in rel or rel.startswith("/") or "\0" in rel:
        return None
    norm = posixpath.normpath(rel)
    if norm.startswith("../") or norm == ".." or norm == ".":
        return None
    return norm


def _read_bytes(root: str, rel: str, loc: Loc, snapshot) -> tuple[bytes | None, Problem | None]:
    if snapshot is not None:
        raw = snapshot.get(rel)
        if raw is None:
            return None, _problem(loc, f"geometry file '{rel}' does not exist", "check the path, or add the file")
    else:
        path = os.path.join(root, rel)
        real, base = os.path.realpath(path), os.path.realpath(root)
        if os.path.commonpath([real, base]) != base:
            return None, _problem(loc, f"geometry '{rel}' leads outside the plan folder (to {real})",
                                  "copy the file into the plan folder instead of linking to it")
        try:
            st = os.stat(real)
        except OSError:
            return None, _problem(loc, f"geometry file '{rel}' does not exist", "check the path, or add the file")
        if not stat.S_ISREG(st.st_mode):
            return None, _problem(loc, f"geometry '{rel}' is not a regular file", "name a .geojson file")
        if st.st_size > MAX_GEOMETRY_BYTES:
            return None, _problem(loc, f"geometry '{rel}' is {st.st_size:,} bytes, more than {MAX_GEOMETRY_BYTES:,}",
                                  "simplify the outline (e.g. QGIS: Vector → Geometry tools → Simplify)")
        try:
            # The path checked, not the name again: no link followed, no waiting for a FIFO's writer
            # if the file was swapped since.
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None, _problem(loc, f"geometry '{rel}' is not a regular file", "name a .geojson file")
                raw = fh.read(MAX_GEOMETRY_BYTES + 1)
        except OSError as exc:
            return None, _problem(loc, f"geometry '{rel}' cannot be read: {exc.strerror}", "check the permissions")
    if len(raw) > MAX_GEOMETRY_BYTES:
        return None, _problem(loc, f"geometry '{rel}' is larger than {MAX_GEOMETRY_BYTES:,} bytes",
                              "simplify the outline (e.g. QGIS: Vector → Geometry tools → Simplify)")
    return raw, None


def _problem(loc: Loc, message: str, hint: str) -> Problem:
    return Problem("E311", loc.child("geometry"), message, hint)


def _polygons(doc: Any) -> list:
    """The polygons of a GeoJSON document, as MultiPolygon coordinates."""
    if not isinstance(doc, dict):
        raise _Bad("the file holds no GeoJSON object", "a GeoJSON file starts with {\"type\": …}")
    if doc.get("crs") not in (None, _CRS84):
        raise _Bad("the file names a coordinate system other than WGS84",
                   "export with EPSG:4326 (WGS84, longitude/latitude); GeoJSON uses no other")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise _Bad("the FeatureCollection has no features", "export the area's outline as one polygon feature")
        out: list = []
        for f in features:
            out += _polygons(f)
        _count(out)
        return out
    if kind == "Feature":
        return _polygons(doc.get("geometry"))
    if kind == "Polygon":
        polys = [doc.get("coordinates")]
    elif kind == "MultiPolygon":
        polys = doc.get("coordinates")
        if not isinstance(polys, list):
            raise _Bad("MultiPolygon coordinates are not a list", "export the outline again as GeoJSON")
    else:
        raise _Bad(f"'{kind}' is not an area outline", "an area needs a Polygon or MultiPolygon (not points or lines)")
    for poly in polys:
        _polygon(poly)
    _count(polys)
    return polys


def _polygon(poly: Any) -> None:
    if not isinstance(poly, list) or not poly:
        raise _Bad("a polygon has no rings", "export the outline again as GeoJSON")
    for ring in poly:
        if not isinstance(ring, list) or len(ring) < 4:
            raise _Bad("a polygon ring has fewer than four positions", "a closed ring needs at least four positions")
        for pos in ring:
            if (not isinstance(pos, list) or len(pos) not in (2, 3)
                    or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in pos)):
                raise _Bad("a position is not [longitude, latitude]", "positions are pairs of numbers")
            lon, lat = pos[0], pos[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise _Bad(f"position [{lon}, {lat}] is not WGS84 longitude/latitude",
                           "export with EPSG:4326 (WGS84); projected coordinates (UTM, Gauß-Krüger) do not fit")
        if ring[0][:2] != ring[-1][:2]:
            raise _Bad("a polygon ring is not closed", "the last position of a ring repeats the first")


def _positions(polys: list) -> int:
    return sum(len(ring) for poly in polys for ring in poly)


def _count(polys: list) -> None:
    n = _positions(polys)
    if n > MAX_POSITIONS:
        raise _Bad(f"the outline has {n:,} positions, more than {MAX_POSITIONS:,}",
                   "simplify the outline (e.g. QGIS: Vector → Geometry tools → Simplify)")


def read_all(root, files, plan, problems: list[Problem], snapshot) -> dict[str, bytes]:
    """Read and check every area outline of a load; keep them on the plan (``plan.geometry``), and
    say which files were read (relative path -> digest, for the cache)."""
    import hashlib

    extra: dict[str, bytes] = {}
    budget = Budget()  # for all outlines together
    for pf in files:
        if pf.kind != "areas":
            continue
        for i, area in pf.items.get("areas", []):
            if area.geometry is None:
                continue
            shape_, found, raw = read(str(root), area.geometry, Loc(pf.rel, ("areas", i)), snapshot, budget)
            problems.extend(found)
            rel = normal_path(area.geometry)
            if rel is not None:  # b"": not readable now; the cache reloads once it is
                extra[rel] = hashlib.blake2b(raw, digest_size=16).digest() if raw is not None else b""
            if shape_ is not None:
                plan.geometry[area.id] = shape_
    return extra
