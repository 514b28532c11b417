"""Why a site check decided as it did, and why an input was refused: in zh and en.

Reasons are shown to applicants and staff in both languages at once, whatever the
page language, so they are written out here rather than translated.
"""

REASONS: dict[str, tuple[str, str]] = {
    "inside": (
        "地块位于保护范围内（距边界约 {distance} 米）。",
        "The site lies inside the protected area (about {distance} m from its boundary).",
    ),
    "within_tolerance": (
        "地块超出保护范围边界不超过 {tolerance} 米（边界精度容差），视为在范围内。",
        "The site extends no more than {tolerance} m beyond the boundary, within the "
        "boundary-precision tolerance, and counts as inside.",
    ),
    "outside": (
        "地块在保护范围之外，距边界约 {distance} 米。",
        "The site lies outside the protected area, about {distance} m from its boundary.",
    ),
    "mostly_outside": (
        "地块只有 {percent}% 的面积位于保护范围内。",
        "Only {percent}% of the site's area lies inside the protected area.",
    ),
    "straddles": (
        "地块跨越保护范围边界：有 {area} 平方米在范围之外，超出 {tolerance} 米容差。",
        "The site straddles the boundary: {area} m² lie outside, beyond the {tolerance} m "
        "tolerance.",
    ),
    "area_not_mapped": (
        "该产品的保护范围在地图上没有边界，无法核对，需人工核实。",
        "The protected area has no boundary on the map and cannot be checked; verify by hand.",
    ),
    "area_approximate": (
        "保护范围为近似范围（无边界的乡镇以所在县代替），落在其中不能证明位于公告范围内，需人工核实。",
        "The protected area is approximate (townships without boundaries are stood in for by "
        "their county): being inside it does not prove being inside the announced area; "
        "verify by hand.",
    ),
    "area_partly_unmapped": (
        "地块在已绘制的范围之外，但保护范围有部分单位没有边界，需人工核实。",
        "The site lies outside the mapped area, but part of the protected area has no "
        "boundary; verify by hand.",
    ),
    "outside_stand_in": (
        "近似范围包含公告的保护范围，地块在近似范围之外，因此也在保护范围之外。",
        "The approximate area contains the announced one, so a site outside it lies outside "
        "the protected area.",
    ),
    "no_product": (
        "申请没有对应唯一的地理标志产品，无法核对地块，需人工核实。",
        "The application names no single GI product with a protected area; verify by hand.",
    ),
    "overlaps_other_producer": (
        "地块与其他生产者已获批的 {count} 个地块重叠，需人工核实。",
        "The site overlaps {count} approved site(s) of other producers; verify by hand.",
    ),
}

# Why an input is refused (the API answers these with 400).
INPUT_ERRORS: dict[str, tuple[str, str]] = {
    "invalid_json": ("请求不是有效的 JSON：{detail}", "The request is not valid JSON: {detail}"),
    "required": ("缺少字段 {field}。", "The field {field} is required."),
    "invalid_geojson": (
        "不是有效的 GeoJSON 几何：{detail}",
        "Not a valid GeoJSON geometry: {detail}",
    ),
    "unsupported_geometry_type": (
        "不支持的几何类型 {type}：地块须为 Point、Polygon 或 MultiPolygon。",
        "Unsupported geometry type {type}: a site is a Point, Polygon or MultiPolygon.",
    ),
    "empty_geometry": ("几何为空。", "The geometry is empty."),
    "self_intersection": (
        "多边形自相交（{detail}），请修正边界。",
        "The polygon intersects itself ({detail}); correct its outline.",
    ),
    "invalid_geometry": ("几何无效（{detail}）。", "The geometry is invalid ({detail})."),
    "too_many_vertices": (
        "顶点过多：{count} 个，上限为 {limit} 个。",
        "Too many vertices: {count}, the limit is {limit}.",
    ),
    "out_of_range": (
        "坐标 ({lon}, {lat}) 不是有效位置：纬度须在 ±90 以内，经度须在 ±180 以内。",
        "({lon}, {lat}) is not a valid position: latitude must be within ±90 and "
        "longitude within ±180.",
    ),
    "outside_yunnan": (
        "坐标 ({lon}, {lat}) 不在云南省范围内（{extent}）。",
        "({lon}, {lat}) lies outside Yunnan ({extent}).",
    ),
    "swapped_coordinates": (
        "经纬度似乎写反了：({lon}, {lat}) 交换顺序后才在云南。请先写经度（约 97–106）。",
        "Latitude and longitude look swapped: ({lon}, {lat}) is in Yunnan only the other "
        "way round. Give the longitude (about 97–106) first.",
    ),
    "unknown_crs": (
        "未知的坐标系 {value}，可用：wgs84、cgcs2000、gcj02、bd09。",
        "Unknown coordinate system {value}; use wgs84, cgcs2000, gcj02 or bd09.",
    ),
    "unknown_product": (
        "找不到产品 {value}：请填写产品编号或准确的中文名称。",
        "No product {value}: give the product id or its exact Chinese name.",
    ),
    "ambiguous_product": (
        "名称 {value} 对应多个产品（编号 {ids}），请改用编号。",
        "The name {value} matches several products (ids {ids}); give the id.",
    ),
}


def _texts(table: dict, code: str, params: dict) -> tuple[str, str]:
    zh, en = table[code]
    return zh.format(**params), en.format(**params)


def reason(code: str, **params) -> dict:
    params = {k: "?" if v is None else v for k, v in params.items()}
    zh, en = _texts(REASONS, code, params)
    return {"code": code, "zh": zh, "en": en}


class SiteInputError(ValueError):
    """A site or request the user must fix; says which field and why, in zh and en."""

    def __init__(self, code: str, *, field: str, **params):
        self.code, self.field, self.params = code, field, {"field": field, **params}
        self.zh, self.en = _texts(INPUT_ERRORS, code, self.params)
        super().__init__(self.en)

    def as_error(self) -> dict:
        return {"field": self.field, "code": self.code, "zh": self.zh, "en": self.en}

    def as_reason(self) -> dict:
        return {"code": self.code, "zh": self.zh, "en": self.en}
