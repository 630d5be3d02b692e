"""The base of every list page's filter set."""

import django_filters


class StyledFilterSet(django_filters.FilterSet):
    """Gives the filter form's widgets the page's compact form styles."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            is_select = field.widget.input_type == "select" if hasattr(field.widget, "input_type") else False
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"
