"""Lays a group's posts out as an organisation chart, ready for the SVG template.

Server-side, so the chart works without JavaScript, prints, downloads as a file and can be checked
in tests. The layout is the "compact" one org-chart tools use: a post whose reports are all leaves
stacks them in an indented column under itself, any other post spreads its reports side by side. That
keeps a 5,000-post organisation a few screens wide instead of a million pixels. Both passes are
iterative, so a long chain of posts cannot hit Python's recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from civicapps import gettext, ngettext
from civicapps_organogram.models import Post
from civicapps_organogram.snapshot import Snapshot

BOX_W, BOX_H = 256, 66
GAP_X, GAP_Y = 24, 44
STACK_GAP, INDENT = 16, 28
MARGIN = 12
MAX_CHARS = 30


@dataclass(frozen=True)
class Box:
    """One post on the chart; the text is plain (the template escapes it)."""

    x: float
    y: float
    ref: str
    label: str
    holder: str
    team: str | None
    full_label: str
    vacant: bool
    named: bool  # the holder text is only people's published names (data, the same in every language)


@dataclass
class Chart:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)


@dataclass
class _Size:
    kind: str  # "leaf", "stack" or "spread"
    width: float
    height: float
    box_dx: float


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """Fit text in a box: cut at a word where possible and end with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def layout(snapshot: Snapshot) -> Chart:
    """Positions for every live post and the connectors between them."""
    children = snapshot.children()
    roots = children.get(None, [])
    order: list[Post] = []
    stack = list(reversed(roots))
    while stack:
        post = stack.pop()
        order.append(post)
        stack.extend(reversed(children.get(post.id, [])))
    sizes: dict[int, _Size] = {}
    for post in reversed(order):
        sizes[post.id] = _measure([sizes[child.id] for child in children.get(post.id, [])])
    chart = Chart(width=0, height=0)
    left = MARGIN
    for root in roots:
        _place(chart, snapshot, children, sizes, root, left, MARGIN)
        left += sizes[root.id].width + GAP_X
    chart.width = max(left - GAP_X + MARGIN, BOX_W + 2 * MARGIN)
    chart.height = max((sizes[root.id].height for root in roots), default=BOX_H) + 2 * MARGIN
    return chart


def describe(chart: Chart, group_name: str, standalone: bool) -> tuple[str, str]:
    """The chart's title and description for screen readers, in the page's language.

    On the group page the description points to the list of posts below the chart; the downloaded file
    has no such list.
    """
    title = gettext("Organisation chart of %(group)s", group=group_name)
    count = len(chart.boxes)
    if standalone:
        text = ngettext(
            "%(num)s post. Names are shown only where the post holder chose to publish theirs.",
            "%(num)s posts. Names are shown only where the post holder chose to publish theirs.",
            count,
        )
    else:
        text = ngettext(
            "%(num)s post; the same chart is set out as a list below. "
            "Names are shown only where the post holder chose to publish theirs.",
            "%(num)s posts; the same chart is set out as a list below. "
            "Names are shown only where the post holder chose to publish theirs.",
            count,
        )
    return title, text


def _measure(kids: list[_Size]) -> _Size:
    if not kids:
        return _Size("leaf", BOX_W, BOX_H, 0)
    if all(kid.kind == "leaf" for kid in kids):
        return _Size("stack", INDENT + BOX_W, BOX_H + len(kids) * (STACK_GAP + BOX_H), 0)
    width = sum(kid.width for kid in kids) + GAP_X * (len(kids) - 1)
    return _Size("spread", width, BOX_H + GAP_Y + max(kid.height for kid in kids), (width - BOX_W) / 2)


def _place(
    chart: Chart,
    snapshot: Snapshot,
    children: dict[int | None, list[Post]],
    sizes: dict[int, _Size],
    root: Post,
    left: float,
    top: float,
) -> None:
    work = [(root, left, top)]
    while work:
        post, left, top = work.pop()
        size = sizes[post.id]
        x = left + size.box_dx
        chart.boxes.append(_box(snapshot, post, x, top))
        kids = children.get(post.id, [])
        pending: list[tuple[Post, float, float]] = []
        if size.kind == "stack":
            rail = x + INDENT / 2
            for index, kid in enumerate(kids):
                kid_top = top + BOX_H + STACK_GAP + index * (STACK_GAP + BOX_H)
                chart.lines.append((rail, kid_top + BOX_H / 2, x + INDENT, kid_top + BOX_H / 2))
                pending.append((kid, x + INDENT, kid_top))
            chart.lines.append((rail, top + BOX_H, rail, top + BOX_H + len(kids) * (STACK_GAP + BOX_H) - BOX_H / 2))
        elif size.kind == "spread":
            middle, kid_top = top + BOX_H + GAP_Y / 2, top + BOX_H + GAP_Y
            centre = x + BOX_W / 2
            chart.lines.append((centre, top + BOX_H, centre, middle))
            kid_left, centres = left, []
            for kid in kids:
                kid_centre = kid_left + sizes[kid.id].box_dx + BOX_W / 2
                centres.append(kid_centre)
                chart.lines.append((kid_centre, middle, kid_centre, kid_top))
                pending.append((kid, kid_left, kid_top))
                kid_left += sizes[kid.id].width + GAP_X
            chart.lines.append((min(centres), middle, max(centres), middle))
        work.extend(reversed(pending))  # so boxes come out in reading order


def _box(snapshot: Snapshot, post: Post, x: float, y: float) -> Box:
    juniors = snapshot.juniors.get(post.id, [])
    team = None
    if juniors:
        fte = sum(_number(role.fte) for role in juniors)
        fte_text = f"{fte:g}"
        team = ngettext(
            "Team: %(fte)s FTE in %(num)s role", "Team: %(fte)s FTE in %(num)s roles", len(juniors), fte=fte_text
        )
    holder = snapshot.holder_text(post)
    return Box(
        x,
        y,
        post.ref,
        shorten(post.label),
        shorten(holder[:1].upper() + holder[1:]),
        team,
        post.label,
        post.id not in snapshot.holders,
        snapshot.names_only(post),
    )


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0
