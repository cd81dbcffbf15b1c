"""Plane geometry for the figures: points, rigid transforms and the shapes a body is made of.

Coordinates are centimetres with y pointing up (the SVG writer flips them); angles are
degrees, counter-clockwise positive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Transform:
    """A rigid motion of the plane: rotate by ``angle`` about the origin, then shift."""

    angle: float = 0.0
    dx: float = 0.0
    dy: float = 0.0

    def apply(self, p: Point) -> Point:
        """Return where this motion takes a point."""
        c, s = _cos_sin(self.angle)
        return (c * p[0] - s * p[1] + self.dx, s * p[0] + c * p[1] + self.dy)

    def then(self, outer: Transform) -> Transform:
        """Return the motion that applies this one, then ``outer``."""
        x, y = outer.apply((self.dx, self.dy))
        return Transform(self.angle + outer.angle, x, y)

    @staticmethod
    def rotation(angle: float, pivot: Point) -> Transform:
        """Return a rotation by ``angle`` about ``pivot``."""
        c, s = _cos_sin(angle)
        px, py = pivot
        return Transform(angle, px - (c * px - s * py), py - (s * px + c * py))


def _cos_sin(angle: float) -> tuple[float, float]:
    rad = math.radians(angle)
    return math.cos(rad), math.sin(rad)


@dataclass(frozen=True)
class Capsule:
    """A stroke with round ends: the points ``path`` widened by ``radius``."""

    path: tuple[Point, ...]
    radius: float

    def moved(self, t: Transform) -> Capsule:
        """Return this capsule under a motion."""
        return Capsule(tuple(t.apply(p) for p in self.path), self.radius)


@dataclass(frozen=True)
class Polygon:
    """A filled outline (its corners softened by ``radius`` when drawn)."""

    points: tuple[Point, ...]
    radius: float = 1.0

    def moved(self, t: Transform) -> Polygon:
        """Return this polygon under a motion."""
        return Polygon(tuple(t.apply(p) for p in self.points), self.radius)


@dataclass(frozen=True)
class Disc:
    """A filled circle."""

    centre: Point
    radius: float

    def moved(self, t: Transform) -> Disc:
        """Return this disc under a motion."""
        return Disc(t.apply(self.centre), self.radius)


Shape = Capsule | Polygon | Disc


def outline(shape: Shape, steps: int = 8) -> list[Point]:
    """Return points on the edge of a shape (enough to bound it)."""
    if isinstance(shape, Disc):
        return _ring(shape.centre, shape.radius, steps * 2)
    corners = shape.points if isinstance(shape, Polygon) else shape.path
    pts: list[Point] = []
    for p in corners:
        pts += _ring(p, shape.radius, steps * 2)
    return pts


def core(shape: Shape, step: float = 1.5) -> list[Point]:
    """Return points along a shape's core line: its edge minus the rounding radius."""
    if isinstance(shape, Disc):
        return [shape.centre]
    if isinstance(shape, Polygon):
        corners = shape.points + shape.points[:1]
    else:
        corners = shape.path
    pts: list[Point] = [corners[0]]
    for a, b in zip(corners, corners[1:], strict=False):
        n = max(1, math.ceil(math.dist(a, b) / step))
        pts += [
            (a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(1, n + 1)
        ]
    return pts


def _ring(c: Point, r: float, n: int) -> list[Point]:
    return [
        (c[0] + r * math.cos(2 * math.pi * k / n), c[1] + r * math.sin(2 * math.pi * k / n))
        for k in range(n)
    ]


def shape_bounds(shape: Shape) -> tuple[float, float, float, float]:
    """Return (min x, min y, max x, max y) of a shape, exactly and quickly."""
    if isinstance(shape, Disc):
        (x, y), r = shape.centre, shape.radius
        return x - r, y - r, x + r, y + r
    corners = shape.points if isinstance(shape, Polygon) else shape.path
    x0, y0, x1, y1 = bounds(corners)
    r = shape.radius
    return x0 - r, y0 - r, x1 + r, y1 + r


def union_bounds(shapes: Iterable[Shape]) -> tuple[float, float, float, float]:
    """Return the bounds of several shapes together."""
    boxes = [shape_bounds(s) for s in shapes]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def lowest_point(shapes: Iterable[Shape]) -> Point:
    """Return the lowest point of some shapes (the middle of it where an edge lies flat)."""
    candidates: list[Point] = []
    for shape in shapes:
        if isinstance(shape, Disc):
            candidates.append((shape.centre[0], shape.centre[1] - shape.radius))
            continue
        corners = shape.points if isinstance(shape, Polygon) else shape.path
        candidates += [(x, y - shape.radius) for x, y in corners]
    low = min(y for _, y in candidates)
    xs = [x for x, y in candidates if y <= low + 0.3]
    return (sum(xs) / len(xs), low)


def bounds(points: Iterable[Point]) -> tuple[float, float, float, float]:
    """Return (min x, min y, max x, max y) of some points."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in points:
        xs.append(x)
        ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def segment_distance(p: Point, a: Point, b: Point) -> float:
    """Return the distance from a point to the segment a-b."""
    ax, ay = a
    vx, vy = b[0] - ax, b[1] - ay
    length2 = vx * vx + vy * vy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * vx + (p[1] - ay) * vy) / length2))
    return math.hypot(p[0] - (ax + t * vx), p[1] - (ay + t * vy))


def depth_inside(shape: Shape, p: Point) -> float:
    """Return how far a point lies inside a shape (negative: how far outside)."""
    if isinstance(shape, Disc):
        return shape.radius - math.dist(p, shape.centre)
    if isinstance(shape, Capsule):
        path = shape.path
        if len(path) == 1:
            return shape.radius - math.dist(p, path[0])
        nearest = min(segment_distance(p, a, b) for a, b in zip(path, path[1:], strict=False))
        return shape.radius - nearest
    inside = _point_in_polygon(p, shape.points)
    edges = zip(shape.points, shape.points[1:] + shape.points[:1], strict=True)
    nearest = min(segment_distance(p, a, b) for a, b in edges)
    return (nearest if inside else -nearest) + shape.radius


def _point_in_polygon(p: Point, poly: Sequence[Point]) -> bool:
    x, y = p
    inside = False
    j = len(poly) - 1
    for i in range(len(poly)):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def gap(a: Shape, b: Shape) -> float:
    """Return the clearance between two shapes (negative: how deep they overlap)."""
    deepest = max(
        max(depth_inside(b, p) for p in core(a)) + a.radius,
        max(depth_inside(a, p) for p in core(b)) + b.radius,
    )
    return -deepest
