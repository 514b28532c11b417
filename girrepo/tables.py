"""The body rows of a register list, rendered in one pass.

django-tables2 stays in charge of what a table *is* (columns, headers, sorting,
exports), but its row path costs ~2 ms of Python per 8-column row: every cell
inspects its render function's signature, rebuilds the column's attributes, walks
its accessor through exception handlers, reverses a URL for each link and then
goes through the template engine. ``render_body`` produces the same ``<tr>``/``<td>``
markup with that work done once per column: signatures, ``<td>`` attributes,
choice-display lookups and detail-URL patterns (``detail_url``). Anything it does
not know how to do cheaply (callable attributes, pinned rows, many-to-many
columns, localised columns) it leaves to django-tables2 itself, cell by cell.
"""

import datetime as dt
import inspect
from functools import partialmethod

import django_tables2 as tables
from django.db import models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import date as date_filter
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve, reverse
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor, signature

# Stands in for a primary key or code while a detail URL's pattern is reversed.
PLACEHOLDER = "9081726354"
_patterns: dict = {}


def detail_url(obj) -> str:
    """``obj.get_absolute_url()``, without a ``reverse()`` per object.

    Detail URLs here are ``reverse(<view>, kwargs={<field>: self.<field>})`` with
    whole-number keys (a pk or a region code). The first object of a model is
    reversed for real and its URL resolved; if the view's arguments are exactly
    fields of the object, the URL becomes a pattern that later objects fill in.
    Anything else (other arguments, a key that is not a plain number) is reversed
    as before.
    """
    cls = type(obj)
    key = (cls, get_script_prefix(), get_urlconf(), get_language())
    pattern = _patterns.get(key)
    if pattern is None:
        url = obj.get_absolute_url()
        _patterns[key] = _pattern_of(obj, url) or False
        return url
    if pattern is False:
        return obj.get_absolute_url()
    template, fields = pattern
    values = [str(getattr(obj, f)) for f in fields]
    if not all(v.isdigit() and v.isascii() for v in values):
        return obj.get_absolute_url()
    return template.format(*values)


def _pattern_of(obj, url: str):
    try:
        match = resolve(url)
    except Exception:  # noqa: BLE001 - any doubt: no pattern, reverse every time
        return None
    if match.args or not match.kwargs:
        return None
    fields = list(match.kwargs)
    for name in fields:
        if str(getattr(obj, name, None)) != str(match.kwargs[name]):
            return None
    placeholders = {name: f"{PLACEHOLDER}{i}" for i, name in enumerate(fields)}
    try:
        probe = reverse(match.view_name, kwargs=placeholders)
    except NoReverseMatch:
        return None
    template = probe.replace("{", "{{").replace("}", "}}")
    for i, name in enumerate(fields):
        if template.count(placeholders[name]) != 1:
            return None
        template = template.replace(placeholders[name], f"{{{i}}}")
    if template.format(*(str(getattr(obj, f)) for f in fields)) != url:
        return None
    return template, fields


class DateColumn(tables.DateColumn):
    """django-tables2's ``DateColumn`` without a template per cell: the same
    ``{{ value|date:format|default:default }}``, as a function call."""

    def __init__(self, format=None, short=True, *args, **kwargs):  # noqa: A002 - tables2's name
        super().__init__(format, short, *args, **kwargs)
        self.format = format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT")
        # Year, month and day between separators (e.g. "Y-m-d") need no locale
        # and no DateFormat object: the same digits, written directly.
        self.numeric = (
            None if set(self.format) - set(NUMERIC_DATE) - set(DATE_SEPARATORS) else self.format
        )

    def render(self, value, bound_column, **kwargs):
        if self.numeric is not None and type(value) is dt.date:
            text = "".join(NUMERIC_DATE[c](value) if c in NUMERIC_DATE else c for c in self.numeric)
        else:
            # {{ value|date }} sees an aware datetime in local time (expects_localtime).
            text = date_filter(template_localtime(value), self.format)
        return conditional_escape(text or bound_column.default)


NUMERIC_DATE = {
    "Y": lambda d: f"{d.year:04d}",
    "m": lambda d: f"{d.month:02d}",
    "d": lambda d: f"{d.day:02d}",
}
DATE_SEPARATORS = "-/. "


def _static(attrs) -> bool:
    """No callables anywhere: the attributes are the same for every cell."""
    if callable(attrs):
        return False
    if isinstance(attrs, dict):
        return all(_static(v) for v in attrs.values())
    return True


class _Cell:
    """One column's rendering, prepared once for all rows."""

    def __init__(self, table, bound_column, first_record):
        column = bound_column.column
        self.bound_column = bound_column
        self.column = column
        self.table = table
        bound_column.current_record = None
        bound_column.current_value = None
        self.generic = (
            column.localize is not None
            or isinstance(column, ManyToManyColumn | BaseLinkColumn)
            or not _static(getattr(table, "attrs", {}))
            or not _static(column.attrs)
            or callable(column._default)
        )
        self.td = mark_safe(bound_column.attrs["td"].as_html())
        self.default = bound_column.default
        self.empty_values = column.empty_values
        accessor = Accessor(bound_column.accessor)
        self.bits = accessor.bits
        self.accessor = accessor
        path, _, remainder = accessor.rpartition(accessor.SEPARATOR)
        self.penultimate = Accessor(path)
        self.display = None
        self.labels = None  # a standard get_FOO_display(): its labels, looked up once
        if isinstance(first_record, models.Model):
            field = accessor.get_field(first_record)
            if getattr(field, "choices", ()):
                self.display = f"get_{remainder}_display"
                standard = inspect.getattr_static(type(first_record), self.display, None)
                if (
                    isinstance(standard, partialmethod)
                    and standard.keywords.get("field") is field
                    and accessor.penultimate(first_record)[0] is first_record
                ):
                    self.attname = field.attname
                    self.labels = {
                        make_hashable(k): force_str(v, strings_only=True)
                        for k, v in make_hashable(field.flatchoices)
                    }
        render = bound_column.render
        args, kwargs_name = signature(render)
        self.render = render
        self.render_args = None if kwargs_name else tuple(args)
        link = bound_column.link
        self.link = link
        self.fast_link = (
            isinstance(link, LinkTransform)
            and link.url is None
            and not link.reverse_args
            and not link.attrs
        )
        if self.fast_link:
            self.link_accessor = Accessor(
                link.accessor if link.accessor is not None else bound_column.name
            )
        self.url_args = None
        if isinstance(link, LinkTransform) and callable(link.url):
            args, kwargs_name = signature(link.url)
            self.url_args = None if kwargs_name else tuple(args)

    def value(self, record):
        """The cell's raw value, as django-tables2's ``BoundRow`` finds it."""
        if self.labels is not None:  # Model._get_FIELD_display, labels translated once
            value = getattr(record, self.attname)
            label = self.labels.get(make_hashable(value))
            return force_str(value, strings_only=True) if label is None else label
        if self.display is not None:
            penultimate = self.penultimate.resolve(record, quiet=True)
            if isinstance(penultimate, models.Model):
                display = getattr(penultimate, self.display, None)
                if display is not None:
                    return display()
        if not isinstance(record, models.Model):
            try:
                return self.accessor.resolve(record)
            except Exception:  # noqa: BLE001 - as django-tables2: a failed lookup is empty
                return None
        current = record
        for bit in self.bits:
            try:
                current = getattr(current, bit)
            except (AttributeError, TypeError):
                try:
                    return self.accessor.resolve(record)
                except Exception:  # noqa: BLE001
                    return None
            if callable(current):
                if getattr(current, "alters_data", False):
                    return None
                if not getattr(current, "do_not_call_in_templates", False):
                    current = current()
            if current is None:
                return None
        return current

    def html(self, row: BoundRow, record, context) -> str:
        value = self.value(record)
        if value in self.empty_values:
            content = self.default
        else:
            kwargs = {
                "value": value,
                "record": record,
                "column": self.column,
                "bound_column": self.bound_column,
                "bound_row": row,
                "table": self.table,
            }
            content = self._call(self.render, self.render_args, kwargs)
            if self.link is not None:
                content = self._linked(content, record, kwargs)
        return render_value_in_context(content, context)

    @staticmethod
    def _call(fn, args, kwargs):
        if args is None:
            return fn(**kwargs)
        if any(a not in kwargs for a in args):
            return None
        return fn(**{a: kwargs[a] for a in args})

    def _linked(self, content, record, kwargs):
        if not self.fast_link:
            if self.url_args is None or self.link.attrs:
                return self.link(content, **kwargs)
            href = self._call(self.link.url, self.url_args, kwargs)
        else:
            target = self.link_accessor.resolve(record)
            if not hasattr(target, "get_absolute_url"):
                target = record
            href = detail_url(target)
        if href is None:
            return content
        return format_html('<a href="{}">{}</a>', href, content)


def render_body(table, records) -> SafeString:
    """The ``<tr>`` rows of ``records`` (one page) exactly as
    ``django_tables2/bootstrap5.html`` would write them, less the whitespace."""
    records = list(records)
    context = Context(autoescape=True)
    if not records:
        if not table.empty_text:
            return mark_safe("")
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(table.columns), table.empty_text
        )
    columns = list(table.columns)
    cells = [_Cell(table, bc, records[0]) for bc in columns]
    plain_rows = not table.row_attrs
    out = []
    for record in records:
        row = BoundRow(record, table=table)
        if plain_rows:
            out.append('<tr class="odd">' if row.row_counter % 2 else '<tr class="even">')
        else:
            out.append(f"<tr {row.attrs.as_html()}>")
        for cell in cells:
            if cell.generic:
                bc = cell.bound_column
                bc.current_value = row.get_cell(bc.name)
                bc.current_record = record
                value = _generic_value(bc, context)
                out.append(f"<td {bc.attrs['td'].as_html()}>{value}</td>")
            else:
                out.append(f"<td {cell.td}>{cell.html(row, record, context)}</td>")
        out.append("</tr>")
    return mark_safe("".join(out))


def _generic_value(bound_column, context) -> str:
    value = bound_column.current_value
    if bound_column.column.localize is None:
        return render_value_in_context(value, context)
    return conditional_escape(str(localize(value, use_l10n=bound_column.column.localize)))


class Body:
    """A page's rows, rendered when the template writes them (``{{ table.body }}``)."""

    def __init__(self, table, records):
        self.table = table
        self.records = records
        self._html = None

    def __html__(self) -> str:
        if self._html is None:
            self._html = render_body(self.table, self.records)
        return self._html

    __str__ = __html__
