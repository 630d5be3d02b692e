from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assessment.workbooks import ACCEPTED_EXTENSIONS
from indicators.models import ImportMode


class UploadForm(forms.Form):
    file = forms.FileField(label=_("统计数据表"), help_text=_("Excel 或 WPS 表格（.xlsx、.xls、.ods）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}))
    mode = forms.ChoiceField(label=_("导入方式"), choices=ImportMode.choices, initial=ImportMode.MERGE,
                             widget=forms.RadioSelect)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        # Checked on the size the server received, before a byte of it is read into memory.
        if upload.size > limit:
            raise forms.ValidationError(_("文件大小为%(size).1f MB，超过了%(limit)d MB的上限") % {
                "size": upload.size / 1024 / 1024, "limit": limit // 1024 // 1024})
        return upload
