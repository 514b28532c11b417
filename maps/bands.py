"""Zoom bands of the web map: which simplification a tile at zoom ``z`` draws."""

# Web-mercator metres per pixel at zoom 0 (256-pixel tiles).
METRES_PER_PIXEL_Z0 = 2 * 3.141592653589793 * 6378137 / 256
# Below zoom 5 all of Yunnan is a few dozen pixels wide; above 13 the stored
# boundaries (one vertex every ~150 m) have no more detail to give.
BANDS = tuple(range(5, 14))
# Half a pixel at the band's own zoom: no simplification a viewer can see.
TOLERANCE_PX = 0.5
MAX_ZOOM = 22


def band_for_zoom(z: int) -> int:
    return min(max(z, BANDS[0]), BANDS[-1])


def band_tolerance_m(band: int) -> float:
    return TOLERANCE_PX * METRES_PER_PIXEL_Z0 / 2**band


# Tiles up to this zoom are cut once, when the shapes are built (a few hundred
# tile positions over Yunnan), so serving one only encodes stored pieces.
PRETILED_MAX_ZOOM = 8
