"""The form every spreadsheet upload page uses: one file, of an accepted kind, within the size limit."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.workbooks import ACCEPTED_EXTENSIONS


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("表格文件"), widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form so that it is in the language of the request, not of the first import.
        self.fields["file"].help_text = _("支持 .xlsx、.xls、.ods，不超过 %(size)d MB") % {
            "size": settings.UPLOAD_MAX_BYTES // 1024 // 1024}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise ValidationError(_("文件超过了%(size)d MB的上限") % {"size": settings.UPLOAD_MAX_BYTES // 1024 // 1024})
        if not upload.name.lower().endswith(ACCEPTED_EXTENSIONS):
            raise ValidationError(_("只接受 .xlsx、.xls 或 .ods 格式的表格文件"))
        return upload
