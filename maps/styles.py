"""Colours of the public map, shared by the tiles' styling and the legend."""

# The real categories get colours that suggest them (tea green, coffee brown);
# any other category takes the next free colour of a qualitative palette
# (Okabe–Ito first) in slug order, so colours are stable between page views.
CATEGORY_COLOURS = {
    "tea": "#1b9e77",
    "coffee": "#7f3b08",
    "medicinal": "#cc79a7",
    "meat-products": "#d55e00",
    "livestock": "#e69f00",
    "fruit": "#c9a800",
    "edible-fungi": "#a6761d",
    "grain": "#66a61e",
    "nuts": "#17becf",
    "edible-oil": "#56b4e9",
    "handicraft": "#0072b2",
}
PALETTE = (
    "#009e73",
    "#9467bd",
    "#e377c2",
    "#8c564b",
    "#bcbd22",
    "#7f7f7f",
    "#f781bf",
    "#4daf4a",
    "#984ea3",
    "#ff7f00",
)


def category_colours(slugs: list[str]) -> dict[str, str]:
    """A colour per category slug, stable for a given set of categories."""
    colours = {slug: CATEGORY_COLOURS[slug] for slug in slugs if slug in CATEGORY_COLOURS}
    others = sorted(slug for slug in slugs if slug not in CATEGORY_COLOURS)
    for i, slug in enumerate(others):
        colours[slug] = PALETTE[i % len(PALETTE)]
    return colours
