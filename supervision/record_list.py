"""The list of every supervision record, its filters and its Excel copy."""

from __future__ import annotations

import io

import django_filters
from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cadres.models import Appointment
from cadres.personal_data import id_number_digest
from core.filters import StyledFilterSet
from core.spreadsheets.formula_guard import formula_safe
from supervision.models import Record, RecordType

# A cell that starts like a formula would be run by Excel when the file is opened (CSV/formula injection).

def record_list() -> QuerySet[Record]:
    """Every record, newest first, each cadre with the posts held today (``cadre.current_posts``)."""
    posts = Appointment.objects.active_on(timezone.localdate()).select_related("unit").order_by("role", "start_date")
    return (Record.objects.select_related("cadre", "record_type", "entered_by", "import_batch")
            .prefetch_related(Prefetch("cadre__appointments", queryset=posts, to_attr="current_posts"))
            .order_by("-date", "-pk"))


def _type_names() -> list[tuple[str, str]]:
    names = RecordType.objects.order_by("sort_order", "name").values_list("name", flat=True)
    return [(name, name) for name in dict.fromkeys(names)]


class RecordFilter(StyledFilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("姓名或身份证号"))
    type_name = django_filters.ChoiceFilter(field_name="record_type__name", label=gettext_lazy("类型"),
                                            choices=_type_names, empty_label=gettext_lazy("全部类型"))
    source = django_filters.CharFilter(lookup_expr="icontains", label=gettext_lazy("来源部门"),
                                       widget=forms.TextInput(attrs={"list": "source-departments"}))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=gettext_lazy("日期从"),
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=gettext_lazy("日期至"),
                                        widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Record
        fields = ["q", "type_name", "source", "date_from", "date_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(cadre__name__icontains=value) | Q(cadre__id_number_digest=id_number_digest(value)))



RECORD_EXPORT_HEADER = (
    gettext_lazy("身份证号"), gettext_lazy("姓名"), gettext_lazy("类型"), gettext_lazy("细类"), gettext_lazy("积分"),
    gettext_lazy("日期"), gettext_lazy("文号"), gettext_lazy("来源部门"), gettext_lazy("摘要"), gettext_lazy("录入人"),
    gettext_lazy("录入时间"), gettext_lazy("导入批次"), gettext_lazy("现任单位"),
)


def records_xlsx(records: QuerySet[Record]) -> bytes:
    """The records as a sheet with the import's own column names first, so it can be read back in."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("监督记录")
    sheet.append([str(header) for header in RECORD_EXPORT_HEADER])
    for record in records.iterator(chunk_size=2000):
        sheet.append([formula_safe(value) for value in (
            record.cadre.id_number, record.cadre.name, record.record_type.name, record.record_type.subtype,
            float(record.record_type.points), record.date, record.document_number, record.source, record.summary,
            record.entered_by.get_username() if record.entered_by else "",
            timezone.localtime(record.entered_at).replace(tzinfo=None), record.import_batch_id or "",
            "、".join(post.unit.name for post in record.cadre.current_posts),
        )])
    for index, width in enumerate((21, 10, 16, 12, 6, 12, 22, 10, 40, 10, 18, 8, 24), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=2):
        row[0].number_format = "@"
        row[5].number_format = "yyyy-mm-dd"
        row[10].number_format = "yyyy-mm-dd hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
