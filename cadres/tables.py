import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Unit


class UnitTable(tables.Table):
    code = tables.Column(verbose_name=_("代码"), linkify=True)
    name = tables.Column(verbose_name=_("名称"), linkify=True)
    kind = tables.Column(verbose_name=_("类型"))
    parent = tables.Column(verbose_name=_("上级单位"), accessor="parent__name", default="—")
    cadre_count = tables.Column(verbose_name=_("现任干部"), attrs={"td": {"class": "text-end"}})

    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "parent", "cadre_count")
        order_by = ("code",)
        empty_text = _("没有符合条件的单位")


class CadreTable(tables.Table):
    name = tables.Column(verbose_name=_("姓名"), linkify=True)
    gender = tables.Column(verbose_name=_("性别"))
    birth_date = tables.DateColumn(verbose_name=_("出生日期"), format="Y-m-d")
    rank = tables.Column(verbose_name=_("职级"), default="—")
    posts = tables.Column(verbose_name=_("现任职务"), empty_values=(), orderable=False)

    class Meta:
        model = Cadre
        fields = ("name", "gender", "birth_date", "rank", "posts")
        order_by = ("name",)
        empty_text = _("没有符合条件的干部")

    def render_posts(self, record):
        posts = getattr(record, "current_posts", [])
        if not posts:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "{} · {}", ((post.unit.name, post.title) for post in posts)
        )

    def value_posts(self, record):
        return "；".join(f"{post.unit.name} {post.title}" for post in getattr(record, "current_posts", []))


